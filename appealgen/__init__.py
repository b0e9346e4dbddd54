"""appealgen: grounded, point-by-point appeals of insurance denials for specialty drugs."""

__version__ = "0.1.0"
