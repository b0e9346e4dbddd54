from appealgen.cli import main

raise SystemExit(main())
