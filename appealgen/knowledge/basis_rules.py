"""The wordings that state each denial basis: (basis, pattern, weight) rules for stages/classify.py.

Each rule reads one decision sentence of a letter, never its rights notice. A weight of 1.5 or more
is a strong cue; a weaker one counts only when a letter states no strong one. The patterns are
written for plain text; classify makes them tolerant of OCR lookalikes and line breaks.
Rules are grouped as they were learned, the later groups named for the writer batch they came from.
"""

from __future__ import annotations

# Step therapy said without its name: a word of sequence ("first", "before", "failed",
# "no claims for") near a word for the other drugs ("preferred", "alternatives",
# "conventional therapy", "biosimilar"), in either order, in one sentence. "X and other drugs
# on the prior authorization list" names more drugs like X, not alternatives to it.
_STEP_SEQUENCE = (r"(?:first|before|prior (?:use|trial|treatment)|previously|already|tried|trials?|course of|failed|failure|"
                  r"inadequate response|did not respond|intoleran\w*|claims? history|pharmacy (?:records?|history|claims)|"
                  r"no (?:claims|fills|record)|not (?:yet )?(?:used|taken|tried|filled)|pathway|protocol)")
_STEP_OTHERS = (r"(?:preferred(?! drug list)|formulary alternatives?|alternatives?|conventional (?:agents?|therap(?:y|ies)|treatments?|drugs?|medications?)|"
                r"standard(?:-of-care| of care)? (?:agents?|therap(?:y|ies)|treatments?|drugs?)|first[- ]line|biosimilars?|"
                r"other (?:drugs|medications|medicines|agents|therapies|treatments|products)(?! (?:on|in) (?:the|our|your|its|this)\b[^.]{0,40}\blist)|"
                r"prerequisite|second[- ](?:line|step))")
# "covers Imbruvica only after it has been approved": an approval to get first, not a drug to try first.
# "covers this medicine only after your prescriber gets approval from the plan": likewise.
_NOT_ITS_APPROVAL = (r"(?! (?:it|they|this|the (?:drug|request|medicine|medication|prescription)) (?:has|have|is|are) "
                     r"(?:been )?(?:approved|authori[sz]ed|pre-?approved))"
                     r"(?!(?: [\w'-]+){0,3} (?:gets?|obtains?|receives?|has|have) (?:an? |the |our |prior |advance )*(?:approval|authori[sz]ation|precertification))")
# (basis, pattern, weight). Patterns read the letter's decision text, never its rights notice.
BASIS_RULES: list[tuple[str, str, float]] = [
    ("medical_necessity", r"not (?:considered |deemed )?medically necessary|medical(?:ly)? necess|"
     r"(?:does|do|did) not meet (?:the |our |your plan's |plan )?(?:medical necessity |clinical |coverage )?(?:criteria|guidelines|requirements)|"
     r"criteria (?:were|was|are|is|have not been|has not been) not? ?met|not meet (?:the )?(?:clinical|medical) criteria|"
     r"(?:our|the) (?:clinical |medical |coverage )?(?:policy|policy bulletin|criteria|guidelines?) requires? (?:a|an|that|at least)", 2.0),
    ("experimental_investigational", r"experimental|investigational|unproven|not proven|"
     r"insufficient (?:clinical |scientific )?evidence (?:of|to support|that)|considered (?:to be )?(?:unproven|experimental)", 2.5),
    ("off_label", r"off[- ]label|not (?:FDA[- ])?approved (?:by the FDA )?(?:for(?! (?:you|him|her|them|your|the member|this member|the patient|this patient|payment|coverage|reimbursement|(?:the |these |this |two |three |several )?(?:following )?reasons?)\b)|to treat)|outside (?:of )?(?:the )?(?:FDA[- ]approved|labeled|approved)|"
     r"(?:FDA[- ])?(?:labeled|approved) indications?|compendi(?:a|um)|not an? (?:FDA[- ]approved|labeled) (?:use|indication)", 2.0),
    ("step_therapy", r"step therapy|step[- ]edit|(?:try|tried) (?:and fail|first)|trial (?:and failure )?of (?:at least|two|one|a )|"
     r"first[- ]line|prerequisite (?:drug|therapy)|"
     r"must (?:first )?(?:try|have tried|use)|(?:requires?|required) (?:that )?(?:you |members? )?(?:to )?(?:first )?(?:try|use)|try \w+ first|"
     r"(?:do|does|did) not show (?:that you (?:have )?(?:tried|used|taken)|an? (?:prior )?trial of)|have tried \w+ for at least|"
     r"before (?:it|the plan|your plan) (?:will )?(?:pay|cover|approve)|no (?:record|claims?|history) of (?:a )?(?:trial|use)", 2.0),
    ("step_therapy", r"preferred (?:[\w-]+ ){0,2}(?:alternative|drug|agent|product|medication|biosimilar)s?(?! list)", 1.0),
    ("missing_information", r"(?:did|have|has) not (?:yet )?(?:receive|received|been received|been provided|been submitted)(?! (?:a |an |any )?(?:request for|prior authori|authori|approval|precert|(?:published |peer-reviewed )?(?:studies|literature|articles)\b))|"
     r"not (?:been )?received|"
     r"incomplete|insufficient (?:information|documentation|clinical information|records)|missing (?:documentation|information|records|lab)|"
     r"lack(?:s|ed|ing)? (?:of )?(?:the )?(?:required |necessary |supporting )?(?:documentation|information|records|clinical notes)|"
     r"no (?:medical |clinical )?(?:records|documentation) (?:was|were)|requested (?:information|records|documentation) (?:was|were)|"
     r"(?:were|was) not (?:provided|submitted|included(?! in (?:the |any |these |those )?(?:stud|trial|clinical))|attached|sent|enclosed)|unable to (?:make a determination|complete (?:the|our) review)|"
     # "the records we needed were never sent to us" (dev16)
     r"(?:were|was|have|has) never (?:been )?(?:sent|received|provided|submitted)|never (?:reached|got to) us|"
     r"documentation (?:was|is) not|without (?:the )?(?:requested|required) (?:records|documentation|information)|"
     r"did not (?:send|provide|submit|get)(?: us)? (?:the |this |all )?(?:information|records|documentation|medical records)|"
     r"we did not (?:get|receive) (?:this|the|these)|"
     r"(?:records|documentation|information|notes) (?:we |you )?(?:received |sent |submitted |provided )?(?:did|does|do) not (?:include|contain)", 2.0),
    ("prior_authorization_required", r"(?:prior|pre-?)\s?(?:authori[sz]ation|approval|certification)\s+(?:was |is )?(?:not (?:obtained|requested|on file|received)|required)|"
     r"without (?:a |an |the )?(?:required )?(?:prior |pre-?)?(?:authori[sz]ation|approval|precertification|certification)|"
     r"no (?:prior |pre-?)?authori[sz]ation (?:was|is|on file)|precertification (?:was )?not|"
     # "We have no record that <the provider> asked for or received approval before ..." (dev16)
     r"no record (?:that|of)\b[^.]{0,80}\b(?:approval|authori[sz]ation|precertification)\b|"
     r"not (?:prior )?authori[sz]ed (?:before|prior)|before (?:the )?(?:service|infusion|treatment) (?:was|is) (?:given|provided|rendered)", 2.0),
    ("site_of_care", r"site of (?:care|service)|not an? (?:approved|qualified|designated|certified|authorized) (?:gene therapy )?(?:treatment )?(?:center|facility|site|provider)|"
     r"(?:qualified|approved|designated|certified) (?:gene therapy |hemophilia )?(?:treatment )?centers?|centers? of excellence|"
     r"place of service(?! requested| code|:| \(| \d)|(?:infusion|treatment) (?:site|setting|location|facility) (?:is|was) not|lower[- ]cost (?:site|setting)|"
     r"hospital outpatient (?:setting|department|site|facility)|preferred (?:site|infusion center|facility)", 2.0),
    ("out_of_network", r"out[- ]of[- ]network|non[- ]?participating|not (?:a )?(?:contracted|participating|in[- ]network) (?:provider|facility|physician|pharmacy)|"
     r"not (?:in|part of) (?:our|the plan's|your plan's|your) network|not contracted|outside (?:of )?(?:your |the )?(?:plan's )?network", 2.0),
    ("benefit_exclusion", r"(?:is |are )?(?:specifically )?excluded (?:from|under) (?:coverage|your|the)|exclusions? (?:section|list|in your)|"
     r"not a covered (?:benefit|service)|(?:policy|contract) does not (?:cover|provide coverage|include coverage)|"
     r"benefit exclusion|non-?covered (?:service|benefit)|no coverage (?:for|under)|is not covered under (?:your|the) (?:plan|policy|benefit)|"
     r"not (?:a )?covered under your (?:benefit|plan|policy)|"
     r"(?:cannot|can not|can't|does not|do not|may not) cover (?:drugs|medications|services|treatments?) (?:when|that are|used|for)|"
     r"used for weight loss|excluded (?:from|under) (?:Part D|Medicare)", 2.0),
    # "Your plan does not cover ..." follows many other reasons too: alone it is not enough.
    ("benefit_exclusion", r"plan does not (?:cover|provide coverage|include coverage)", 1.0),
    ("formulary_exclusion", r"not (?:on|included (?:on|in)|listed on) (?:the |our |your (?:plan's )?)?(?:formulary|drug list|preferred drug list)|"
     r"non[- ]?formulary|formulary exception|non[- ]?preferred (?:drug|brand|product|medication)|excluded from (?:the )?formulary|"
     r"(?:formulary|drug list) (?:exclusion|does not include)|not covered (?:by|on|under) (?:the |our |your )?(?:plan's )?(?:formulary|drug list)", 2.5),
    ("quantity_limit", r"quantity limit|exceeds? (?:the )?(?:plan's |our |allowed |maximum |approved )?(?:quantity|dose|dosage|dosing|limit|maximum|number of)|"
     r"more than (?:the )?(?:allowed|maximum|permitted|approved)|(?:dose|dosing|frequency) (?:limit|exceeds)|units? (?:billed )?exceed|"
     r"(?:lifetime|per lifetime|once per lifetime) (?:limit|maximum)|one[- ]time (?:dose|treatment) (?:limit|per lifetime)|"
     r"maximum (?:allowed |allowable )?(?:units|quantity|dose)|above the (?:labeled|approved|maximum) (?:dose|quantity)|"
     r"more than (?:the|your) plan(?:'s)? (?:allows|covers|limit)|requested (?:amount|quantity|dose|number of doses) is more than|"
     r"(?:covers|allows) (?:\d+|one|two) (?:pens?|doses?|units?|vials?|syringes?) (?:every|per)", 2.0),
    ("coding_billing_error", r"(?:diagnosis|procedure|HCPCS|NDC|ICD-?10(?:-CM)?|billing|revenue) codes? (?:(?:is|was|were|are) )?(?:invalid|incorrect|not valid|inconsistent|mismatch|does not match|did not match|do not match|not (?:appropriate|supported))|"
     r"(?:invalid|incorrect|mismatched|missing|wrong) (?:diagnosis|procedure|HCPCS|NDC|ICD-?10|billing) (?:code|number)|"
     r"(?:incorrect|invalid|wrong) (?:number of )?units|coding (?:error|issue|discrepancy)|billed (?:with|under|using) (?:an? )?(?:incorrect|invalid|diagnosis)|"
     r"corrected claim|does not support the (?:billed )?(?:drug|procedure|service)|inconsistent with the (?:procedure|diagnosis)|"
     r"not consistent with the (?:billed|diagnosis)|billed (?:with|as) \d+ units?|must be billed (?:as|with|under)|"
     r"(?:did not include|missing|without) the (?:National Drug Code|NDC)|reported per \d+", 2.5),
    ("timely_filing", r"timely filing|filing (?:limit|deadline|time limit)|(?:received|submitted|filed) (?:after|past|beyond|outside) (?:the|our)|"
     r"time limit for filing|filed (?:too )?late|not (?:filed|submitted|received) within (?:the )?\d+|"
     r"after the \d+[- ]day (?:filing )?(?:limit|period|deadline)", 2.5),
    ("eligibility", r"not (?:an )?eligible|ineligib|eligibility|coverage (?:was |had )?(?:terminated|ended|inactive|lapsed|not (?:in effect|active))|"
     r"(?:was |were )?not (?:enrolled|covered|active) (?:(?:on|as of) (?:the )?(?:date|\d)|at the time)|\btermination date|coordination of benefits|"
     r"other (?:health )?insurance (?:is|was) primary|primary (?:payer|insurance|insurer|carrier|plan) (?:is|must)|"
     r"not (?:an )?(?:active|current) member|membership (?:ended|terminated)", 2.0),
    # Wordings that vary from payer to payer (the rules above were written first and grew from
    # one style of letter): the same bases, said other ways.
    ("medical_necessity", r"(?:does|do|did) not (?:meet|satisfy|fulfil?l) (?:the |our |your |plan's )?(?:[\w-]+ ){0,3}(?:criteria|guidelines|requirements|standards)|"
     r"not (?:(?:medically )?reasonable and necessary|medically appropriate|clinically appropriate)|not appropriate for (?:you|your condition|the member|this member)|"
     r"(?:criteria|guidelines?|policy)(?: [\w'-]+){0,3} (?:calls? for|asks? for)", 2.0),
    ("step_therapy", r"(?:covered|approved|pays? for [\w-]+|covers? [\w-]+) only (?:after|once|if you have (?:tried|used))" + _NOT_ITS_APPROVAL + r"|"
     r"only after (?:a |an )?(?:trial|you have (?:tried|used|taken|had))|once you have (?:tried|used|taken)|"
     r"(?:must|should) (?:first )?be (?:tried|used) (?:first|before)|alternatives? must be tried|(?:second|third|later)[- ]line|"
     r"(?:no record|did not find|do not find|could not find)(?: that| of)? (?:you )?(?:have |had )?(?:tried|used|taken|took|filled)|"
     r"requires? (?:the )?use of (?:[\w-]+ ){1,6}(?:unless|before|first)", 2.0),
    ("prior_authorization_required", r"no (?:approval|authori[sz]ation|precertification|prior authori[sz]ation) (?:was |is )?(?:on file|found|obtained|in place)|"
     r"(?:retro(?:active)?[- ]?)?(?:authori[sz]ation|precertification|approval) request (?:was |were )?not (?:submitted|requested|made|sent)|"
     r"retro(?:active)?[- ]?(?:authori[sz]ation|approval|certification)|"
     r"(?:before|without) (?:we|the plan) (?:issued|gave|granted) (?:any |an |the )?(?:approval|authori[sz]ation)|"
     r"(?:needs?|requires?) (?:an? )?approved authori[sz]ation|approval (?:in advance|ahead of time)", 2.0),
    ("out_of_network", r"(?:does|do|did) not participate (?:in|with)|not (?:in|part of) (?:[\w']+ ){1,3}network|"
     r"outside (?:of )?(?:its|our|the|your)(?: plan's)? network|non-?contracted", 2.0),
    ("benefit_exclusion", r"limitations and exclusions|exclusions and limitations|non-?covered (?:category|drug|item)|"
     r"(?:plan|policy|certificate|contract|coverage) excludes|lists? (?:[\w-]+ ){0,4}as (?:an? )?(?:non-?covered|excluded)", 2.0),
    # A benefit the plan never bought or hands to someone else: "your coverage does not include
    # outpatient prescription drugs", "bought ... without the Prescription Drug Rider", "carved out of the benefits".
    ("benefit_exclusion", r"(?:coverage|plan|benefits?|policy) (?:does|do) not include (?:any )?(?:coverage (?:of|for) )?(?:outpatient |self-administered |retail |pharmacy )?(?:prescription|drugs?|medications?|medicines?)|"
     r"without (?:the |a |an )?(?:[\w-]+ ){0,4}rider|rider (?:was|is) not (?:purchased|included|part)|"
     r"carved out of|carve-?out (?:of|from)", 2.0),
    ("formulary_exclusion", r"excluded from (?:[\w']+ ){0,3}(?:formulary|drug list)", 2.5),
    ("quantity_limit", r"more often than (?:the |your )?(?:plan|label|labeling|allowed)|(?:sooner|earlier) than (?:the |your )?plan (?:covers|allows|pays)|"
     r"(?:higher|greater|more) than the (?:[\w/-]+ ){0,8}(?:that )?(?:your|the) plan (?:allows|covers|pays for)", 2.0),
    ("timely_filing", r"(?:submitted|received|filed|reached us) (?:more than |beyond |after )(?:\d+|one|two|twelve) (?:calendar )?(?:days|months|years?)|"
     r"beyond (?:that|the|our) (?:limit|deadline|time limit|filing period)", 2.5),
    ("timely_filing", r"within (?:\d+|one|two|twelve) (?:calendar )?(?:days|months|years?) (?:from|of|after) (?:the )?(?:date of service|service date)", 2.0),
    ("eligibility", r"(?:Medicare|Medicaid|another (?:health )?plan|other coverage|the other plan) is (?:your |the )?primary|"
     r"is (?:your |the )?primary (?:coverage|plan)|pays? (?:as )?(?:the )?secondary|bill (?:Medicare|the primary (?:plan|payer)) first", 2.0),
    # Plain-language letters put words between the parts of a phrase ("pays for Tremfya for
    # psoriasis only after", "the drug list for your plan does not include"): the same
    # bases with a few words allowed in between. Contractions are spelled out first.
    ("step_therapy", r"(?:pays? for|covers?|covered|approves?|approved)(?: [\w'-]+){1,6} only (?:after|once|if (?:you|the member|a patient) (?:have|has) (?:tried|used|filled))" + _NOT_ITS_APPROVAL + r"|"
     r"(?:requirement|requires?|required) (?:that )?(?:you|the member|members|patients?|a patient) (?:first )?(?:try|use|have tried|have used)|"
     r"first[- ]step (?:drugs?|medications?|medicines?|therap(?:y|ies)|agents?|products?)|"
     # (not "once a member has had at least two infusions ... we cover further infusions in a hospital":
     # a site-of-care rule's count of doses, dev20)
     r"(?:after|once|until) (?:a |the )?(?:member|patient|you) (?:has|have) (?:already )?(?:filled|used|tried|taken|"
     r"had(?! (?:at least )?(?:\d+|one|two|three|four|five|six) (?:[\w-]+ )?(?:infusions?|doses?|injections?|treatments?|visits?)\b))|"
     r"no (?:fills|claims|samples|record|records|history|evidence)(?: [\w-]+){0,6} (?:of|for) (?:any of )?(?:the |these |those )?(?:[\w-]+ )?(?:preferred|required|first-line|formulary|step|alternative)", 2.0),
    ("step_therapy", r"preferred (?:[\w-]+ ){0,2}(?:medicines?|treatments?|therap(?:y|ies)|options?|products?)", 1.0),
    # "Briumvi is covered after the customer has received Ocrevus", "pays for DUPIXENT for eczema
    # after at least 4 weeks of a steroid cream", "puts Briumvi behind the plan's preferred infusions".
    ("step_therapy", r"covered after (?:the |a )?(?:customer|member|patient|enrollee|you)(?: [\w-]+)? (?:has|have) (?:received|tried|used|taken|had|failed)|"
     # "A non-preferred IL-23 inhibitor is covered when the member has tried, for at least 12 weeks, ..."
     r"covered (?:only )?(?:when|once) (?:the |a )?(?:customer|member|patient|enrollee|you)(?: [\w-]+)? (?:has|have) (?:tried|used|taken|failed)\b|"
     r"(?:pays? for|covers?|covered)(?: [\w'-]+){1,6} after (?:at least )?(?:\d+|one|two|three|four|six|eight|twelve) (?:weeks?|months?)(?: or (?:more|longer))? (?:of|on)\b|"
     r"\bbehind (?:the |our |your )?(?:plan's )?preferred", 2.0),
    # "Using Uplizna for MOGAD is outside the uses on its label".
    ("off_label", r"outside (?:of )?the (?:uses|indications?) (?:on|in|listed (?:on|in)) (?:its|the|the drug's) (?:label|labeling|prescribing information)", 2.0),
    # Wordings that new writers used where no rule above reads them.
    ("benefit_exclusion", r"does not include (?:[\w'-]+ ){0,8}(?:among|in) (?:its|the|your|our) (?:[\w-]+ )?benefits?\b|"
     r"(?:does not|doesn't|do not|cannot) (?:pay for|cover) (?:a |any )?(?:drugs?|medicines?|medications?) that (?:people|a person|patients|members|you) "
     r"(?:usually |normally |typically )?(?:inject|give|take|administer)", 2.0),
    ("eligibility", r"(?:were|was) not an? (?:[\w-]+ ){0,4}(?:member|enrollee)\b|"
     r"(?:plan|coverage|enrollment|enrolment|membership)(?: in [\w -]{1,40}?)? ended (?:on|as of)|"
     r"(?:was|were) not covered under (?:your|the) (?:[\w-]+ ){0,4}plan when", 2.0),
    ("prior_authorization_required", r"(?:has|have) to approve (?:[\w-]+ ){0,3}before|"
     r"did not (?:ask|request) (?:us |the plan )?(?:to approve|for (?:our )?approval)", 2.0),
    ("quantity_limit", r"(?:allows?|covers?|pays? for) (?:[\w-]+ ){0,2}(?:up to|no more than) (?:\d+|one|two|three|four) "
     r"(?:\(?[\d.]+ ?(?:mg|mL)\)? )?(?:[\w-]+ )?(?:tablets?|capsules?|pens?|doses?|units?|vials?|bottles?|syringes?|injections?|auto-?injectors?|fills?)\b", 2.0),
    ("off_label", r"medically accepted indication|not a use on (?:the|its|the drug's) label|only for its label(?:l)?ed uses?", 2.0),
    ("formulary_exclusion", r"left off (?:the |our |your )?(?:[\w-]+ ){0,5}(?:formulary|drug list|list of covered drugs)", 2.5),
    # "lists drugs prescribed for weight loss ... among the services that are not covered".
    ("benefit_exclusion", r"among the (?:services|drugs|items|treatments|benefits|things) (?:that are |it does )?not covered|outside (?:of )?your benefits", 2.0),
    ("formulary_exclusion", r"(?:formulary|drug list|list of (?:covered )?(?:drugs|medicines|medications))(?: [\w'-]+){0,4} (?:does|do|did) not (?:include|list|contain|cover|have)|"
     r"not (?:on|in|part of|listed on|listed in|included on|included in)(?: [\w'-]+){0,3} (?:formulary|drug list|PDL\b)", 2.5),
    ("quantity_limit", r"(?:allows?|covers?|pays? for|limit(?:ed)? (?:is|to)|maximum (?:of|is)|limits [\w-]+(?: [\w-]+)? to) (?:up to )?(?:\d+|one|two|three|four) (?:\(?\d+ ?mg\)? )?"
     r"(?:tablets|capsules|pens?|doses?|units?|vials?|syringes?|injections?|auto-?injectors?|fills?|refills?|mg|mL|days'? supply|infusions?)\b|"
     r"(?:\w+ times|twice|double) (?:that amount|the (?:limit|amount|maximum|allowed|quantity))|"
     r"(?:filled|dispensed|supplied) for more than (?:\d+|a|one) (?:days?|months?)|more than an? \d+-day supply|"
     r"exceptions? to (?:this|the|that|our) (?:quantity |supply |dose |dosing )?limit", 2.0),
    ("out_of_network", r"outside (?:of )?(?:its|our|the|your|that|this|a)(?: [\w'-]+){0,2} network|not (?:in|part of)(?: [\w'-]+){1,5} network", 2.0),
    ("prior_authorization_required", r"must be (?:approved|authori[sz]ed|pre-?approved|pre-?certified) (?:by [\w ]{1,30} )?(?:before|in advance|ahead)|"
     r"(?:not|no) (?:have |find |see )?(?:an? |any )?(?:(?:prior |advance )?(?:approval|authori[sz]ation)|precertification)(?: [\w-]+){0,3} on file", 2.0),
    # "needs our prior approval before", "requires your provider to get our approval before"
    ("prior_authorization_required", r"(?:needs?|requires?|must)(?: (?!before\b)[\w'-]+){0,3}? (?:to )?(?:have |get |obtain )?(?:(?:an?|our|prior|advance) ){0,2}(?:approval|authori[sz]ation|precertification|pre-?approval)(?: [\w'-]+){0,8} before|"
     r"no record (?:that |of )?(?:your |the )?(?:provider|doctor|prescriber|you|anyone|facility)?(?: [\w]+){0,2} (?:asked for|requested|obtained|received|got)(?: or [\w]+)? (?:this |an? |the |any |our )?(?:approval|authori[sz]ation|precertification)|"
     r"with\s?out (?:an? |the |our |prior |any )?(?:approval|authori[sz]ation|precertification)", 2.0),
    ("out_of_network", r"not (?:an? )?(?:network|plan|in-plan|Kaiser|contracted) (?:provider|facility|physician|pharmacy|doctor|hospital|center|clinic|specialist)", 2.0),
    ("off_label", r"not (?:FDA[- ])?approved by the (?:U\.?S\.? )?Food and Drug Administration (?:for|to treat)|not (?:a |an )?medically accepted indication", 2.0),
    ("missing_information", r"(?:did not|have not|has not|never) (?:get|receive|see)(?: us)? (?:an? |the |any )?(?:[\w-]+ ){0,3}"
     r"(?:MRI|scan|tests?|labs?|results?|reports?|notes?|records?|documentation|information|letter|form|imaging|biopsy|assessment|evaluation|measurements?|scores?)\b", 2.0),
    # Wordings from letters that avoid each basis's textbook phrase (dev4 onwards).
    ("medical_necessity", r"(?:does|do|did) not support (?:adding|starting|continuing|the use of|use of|coverage|the request|this request|approval|treatment with)|"
     r"(?:is|are) reserved for (?:patients|people|members|adults|children|those|cases|disease|[\w-]+ that)|"
     r"(?:is|are|was|were) below the (?:[\w-]+ ){0,2}(?:level|threshold|range|cutoff|cut-off)|"
     r"(?:criteria|guidelines?)(?: [\w'-]+){0,3} (?:require|requires|required) (?:a|an|that|at least|two|three|documentation)|"
     r"(?:does|do) not (?:reach|meet) (?:that|this|the required) (?:level|threshold|severity)", 2.0),
    ("out_of_network", r"not (?:part of|in|on|a member of) (?:[\w'-]+ ){0,3}(?:provider )?panel|"
     r"(?:is|are) not one of the (?:[\w-]+ ){0,2}(?:pharmacies|providers|facilities|doctors|physicians|centers|hospitals)", 2.0),
    ("timely_filing", r"(?:submission|filing|claims?) (?:window|period)|(?:claim|bill|it) (?:arrived|reached us|was received) (?:after|too late|late)|"
     r"claims? (?:must )?(?:reach|be received by|arrive)(?: [\w'-]+){0,3} (?:no later than|within|by)|"
     r"\d+ days after the (?:\d{1,2}/\d{1,2}/\d{2,4} )?(?:date of service|service date)", 2.5),
    ("eligibility", r"(?:was|were|is|are) not covered (?:under|by) (?:your|the|this|his|her) (?:plan|policy|coverage)(?: [\w'-]+){0,3} (?:on|as of|at the time)", 2.0),
    ("coding_billing_error", r"(?:is|are) billed per (?:\d|one|each)|(?:is|are|be) (?:reported|billed) as \d+ units", 2.5),
    ("step_therapy", r"(?:for|to) (?:members|people|patients|adults|children|those|persons|enrollees)(?: [\w'-]+){0,2} (?:who|whose)(?: [\w'(),-]+){0,6} "
     r"(?:already (?:been treated|tried|used|taken|failed|had)|previously (?:been treated|tried|used|taken|failed)|been treated|had to stop|"
     r"were taking|was taking|did not respond|could not tolerate|failed|tried)|"
     r"once (?:a |an |the )?(?:[\w-]+ ){0,8}(?:has|have) been (?:used|tried|taken)|"
     r"(?:no record|did not find|could not find)(?: that| of)? (?:you )?(?:have |had )?ever (?:tried|used|taken|filled)|"
     r"(?:uncontrolled|active|inadequately controlled) (?:after|despite|while (?:they were |you were )?(?:taking|on|using))(?: at least)? (?:\d+|[a-z]+ )?(?:consecutive )?(?:weeks|months)? ?(?:of|on)?|"
     r"no (?!(?:[\w-]+ ){0,3}(?:randomi[sz]ed|controlled|clinical|published|large|phase)\b)(?:[\w-]+ ){0,4}trial\b|earlier (?:options?|agents?|drugs?|treatments?|therap(?:y|ies)|medicines?|medications?) in the", 2.0),
    ("timely_filing", r"claims?(?: [\w'-]+){0,4} (?:reach us|arrive|be received) (?:no later than|within|by)", 2.5),
    # dev5 wordings.
    ("benefit_exclusion", r"(?:falls?|fell) (?:within|under) (?:this|the|that|an|a plan) exclusion|(?:this|the) exclusion applies|"
     r"no benefits are (?:payable|provided|paid) for|lists? (?:[\w-]+ ){0,4}(?:under|as) [\"']?not covered", 1.0),  # weak: "this exclusion" may be another basis's
    ("medical_necessity", r"(?:is|are) not (?:medically )?(?:needed|required|indicated|warranted) (?:for(?! (?:this|the|that|a|your) (?:decision|review|request|appeal|determination|process))|at this|in your|right now)|"
     r"not (?:a )?(?:safe|suitable|appropriate)(?: or (?:safe|suitable|appropriate))? (?:treatment|option|choice|drug|therapy)", 2.0),
    ("formulary_exclusion", r"not (?:on|in|listed on|included on|included in)(?: [\w'-]+){0,6} (?:formulary|drug list)|"
     r"(?:exclusion list|excluded (?:drugs?|products?) list) (?:of|for|on) (?:the )?(?:[\w-]+ ){0,4}(?:formulary|drug list)", 2.5),
    ("off_label", r"(?:FDA|Food and Drug Administration) has not approved (?:that|this|the|its) use|(?:that|this) use is not (?:FDA[- ])?approved", 2.0),
    ("eligibility", r"is (?:[\w-]+'s |your |the |his |her |their )?primary (?:coverage|plan|payer|insurer)|birthday (?:rule|falls earlier)", 2.0),
    # dev9 (three writers the rules had not read): the same bases in still other words.
    ("off_label", r"not (?:one of )?(?:its|the|their|an?) (?:FDA[- ])?(?:approved|labeled|label) (?:uses?|indications?)|"
     # "a condition that is not among its approved uses" (dev18)
     r"not among (?:its|the|the drug's) (?:FDA[- ])?(?:approved|labeled|label) (?:uses|indications)|"
     r"(?:covers?|pays? for) (?:[\w-]+ ){0,3}only (?:for|when used for) (?:FDA[- ])?(?:approved|labeled) (?:uses|indications)", 2.0),
    ("eligibility", r"(?:that|the other|another|other|your other) (?:group |health )?plan pays first|"
     r"pays? (?:[\w-]+ ){0,3}(?:only )?after (?:all |the |your )?other (?:insurance|plans?|coverage)|"
     r"(?:billed|sent|submitted) to (?:the member's |your |the |that )?(?:primary|other) plan first", 2.0),
    ("benefit_exclusion", r"specifically (?:does not|do not|will not) (?:cover|pay for|include)|(?:has|have|provides?) no benefits? for|"
     r"\bexcludes (?:coverage (?:of|for) )?(?:drugs|medications|medicines|services|treatments?|products|therap(?:y|ies)|gene therap(?:y|ies))\b", 2.0),
    ("formulary_exclusion", r"not on (?:the|our|your|its)(?: [\w'-]+){0,2} list of (?:covered )?(?:drugs|medicines|medications|prescriptions)", 2.5),
    ("quantity_limit", r"exceeds? (?:the |your |our )?(?:plan|plan's|benefit|pharmacy) (?:quantity |supply |dose |dosing )?limit", 2.0),
    ("quantity_limit", r"(?:allows?|covers?|pays? for|limits?)(?: [\w-]+){0,2} (?:up to )?\d+ (?:tablets|capsules|pens|doses|units|vials|syringes|"
     r"injections|auto-?injectors|devices|fills|refills)\b|(?:does|do) not allow more than", 2.0),
    ("step_therapy", r"(?:need|needs|must) to have (?:used|tried|taken|failed)|(?:did not|could not) find any(?: [\w-]+){0,3} in (?:your |the )?(?:pharmacy|claims|records|prescription)", 2.0),
    ("missing_information", r"(?:did not|never) (?:get|receive) (?:it|them|this|these|a response|any response|the results?|a reply)\b", 2.0),
    # dev6 wordings.
    ("medical_necessity", r"(?:conditions|requirements|criteria|standards)(?: (?:in|of|for) [\w' -]{1,40}?)? (?:are|were|is|was) not (?:met|satisfied)", 2.0),
    # "so requirements 2, 3 and 4 above are not met"; "not severe enough to meet what the policy requires".
    ("medical_necessity", r"(?:requirements?|criteria|criterion|conditions?|rules?) (?:\(?[\dA-Za-z]{1,2}\)?(?:,? (?:and |or )?)?){1,6}(?:above |listed )?(?:are|were|is|was) not (?:met|satisfied)|"
     r"not (?:severe|active|advanced|serious) enough (?:to|for)|(?:does|do|did) not meet what (?:the|our|your plan's|this) (?:policy|criteria|guidelines?) requires?|"
     # "your Crohn's does not need this medicine at this time"; "this does not show the very high risk of
     # fracture that Humana's coverage criteria require"; "your records do not show that your hemophilia B
     # requires routine prophylaxis": the clinical finding, not a missing record.
     r"(?:does|do) not need (?:this|the|that) (?:medicine|medication|drug|treatment|infusion|therapy)|"
     r"(?:does|do|did) not show\b[^.]{0,80}\b(?:criteria|policy|guidelines?|rules)\b[^.]{0,30}\brequires?\b|"
     r"(?:does|do|did) not show that (?:your|the member's|the patient's|his|her|their) [\w' -]{1,40}? (?:requires?|needs?)\b|"
     # "the records do not show that a medicine taken by mouth every day ... is needed now" (dev17)
     r"(?:does|do|did) not show that (?:an? |the |this |that )[\w' -]{1,80}? (?:is|are|was|were) (?:needed|necessary|required)\b", 2.0),
    ("quantity_limit", r"(?:is|are) (?:above|over|beyond|more than) (?:what|the amount) (?:your|the) plan (?:allows|covers)|"
     r"(?:above|over|exceeds?) (?:this|the|that|your plan's|the plan's) (?:quantity |dose |supply )?(?:limit|maximum)|"
     # "the request ... is more than that limit" (dev16)
     r"more than (?:that|this|the|your plan's|the plan's) (?:quantity |dose |supply |monthly )?(?:limit|maximum)|"
     r"limits? [\w ,-]{1,40}? to \d+ (?:tablets|capsules|pens|doses|units|vials|syringes|injections|auto-?injectors|devices|fills)\b", 2.0),
    ("step_therapy", r"\bstep[ -](?:1|2|3|one|two|three) (?:medicines?|drugs?|medications?|agents?|products?|therap(?:y|ies))", 2.0),
    ("formulary_exclusion", r"not on the list of (?:covered )?(?:medicines|drugs|medications)|"
     r"excluded (?:medication|drug|medicine|product) on (?:the |your )?(?:[\w-]+ ){0,5}(?:drug list|formulary)", 2.5),
    ("out_of_network", r"(?:is|are) not one of (?:the|our|your plan's|its) (?:[\w-]+ ){0,2}(?:pharmacies|providers|facilities|doctors|physicians|centers|hospitals)", 2.0),
    # dev7 wordings.
    ("out_of_network", r"not (?:an? )?(?:[A-Z][\w-]* ){0,3}(?:network|plan|in-plan|participating|contracted) (?:providers?|facilit(?:y|ies)|physicians?|pharmac(?:y|ies)|doctors?|hospitals?|centers?)|"
     r"(?:only|unless) (?:when )?(?:it is )?(?:provided|given|arranged)(?: or (?:provided|given|arranged))? by (?:plan|network|participating|contracted) providers", 2.0),
    ("prior_authorization_required", r"no (?:approved|valid|active|current) (?:prior )?(?:authori[sz]ation|approval|precertification)(?: [\w-]+){0,3} on file", 2.0),
    ("step_therapy", r"requires? at least (?:\d+|one|two|three|six|twelve) (?:consecutive )?(?:weeks|months) of|"
     r"(?:has|have) not (?:yet )?been tried|before (?:an? |the )(?:[\w-]+ ){0,3}(?:is|are|will be) covered", 2.0),
    ("eligibility", r"not (?:enrolled|covered|active)(?: in (?:the|this|your) plan)? (?:(?:on|as of) (?:the )?(?:date|\d|[A-Z][a-z]+ \d)|at the time|when)|"
     r"coverage(?: [\w'.,-]+){0,8} (?:ended|terminated|lapsed) (?:on|as of)", 2.0),
    # dev15 wordings: a clause between "requires that" and the step ("requires that, before an
    # exception can be considered, you try both preferred drugs"), an authorization the plan did
    # not find, coverage cancelled or ended before the service, claims sent or arriving late.
    ("step_therapy", r"(?:requires?|required) that, (?:[\w'-]+,? ){1,14}?(?:you|the member|members|patients?|a patient) (?:first )?(?:try|use|have tried|have used)", 2.0),
    ("prior_authorization_required", r"(?:did not|could not|do not|cannot) find (?:a |an |any |the )?(?:prior |advance )?(?:authori[sz]ation|approval|precertification)\b", 2.0),
    ("eligibility", r"(?:coverage|enrollment|enrolment|membership|policy)(?: [\w'(),.-]+){0,12} (?:was |were )?(?:cancell?ed|terminated|ended) effective|"
     r"after (?:your|the member's|his|her|their) (?:[\w-]+ )?coverage(?: with (?:us|the plan))? (?:ended|stopped|was cancell?ed|terminated)", 2.0),
    ("timely_filing", r"(?:send|submit|file) (?:[\w-]+ ){0,2}claims? within (?:\d+|one|two|twelve) (?:calendar )?(?:days|months)|"
     r"(?:arrived|reached us|was received|were received) (?:\d+|more than \d+) (?:calendar )?days after (?:the )?(?:fill|service|date)", 2.5),
    # Step therapy said without its name (see _STEP_SEQUENCE).
    ("step_therapy", rf"\b{_STEP_SEQUENCE}\b(?: [\w'(),/-]+){{0,8}} {_STEP_OTHERS}\b|"
     rf"\b{_STEP_OTHERS}\b(?: [\w'(),/-]+){{0,8}} {_STEP_SEQUENCE}\b", 1.5),
    # dev8 wordings.
    ("off_label", r"not (?:one of )?(?:the )?(?:uses?|conditions?|indications?) (?:on|in|listed (?:on|in)) (?:its|the|the drug's|the product's) (?:FDA[- ])?label|"
     r"not on (?:its|the) (?:FDA[- ])?label|outside (?:of )?(?:its|the) (?:FDA[- ](?:approved )?|approved )?label|"
     # "not a use that the U.S. Food and Drug Administration (FDA) has approved" (dev18)
     r"not a use (?:that )?(?:the )?(?:U\.S\. )?(?:FDA|Food and Drug Administration)(?: \(FDA\))? has approved", 2.0),
    ("step_therapy", r"(?:given|had|made) (?:\w+ )?(?:a |an )(?:fair|adequate|reasonable) (?:try|trial)|"
     r"first[- ]choice (?:[\w-]+ ){0,2}(?:medicines?|drugs?|treatments?|medications?|options?)", 2.0),
    ("missing_information", r"(?:arrived|came in|was sent|was submitted) (?:with only|without (?:the |any )?(?:[\w-]+ ){0,3}(?:records?|information|documentation|notes|results?|reports?))|"
     # "the form also came without the itemized pharmacy receipt ... that we require" (dev17)
     r"\b(?:came|arrived|was sent|were sent|was submitted) without (?:the |an? |any )?(?:[\w-]+ ){0,3}(?:receipts?|records?|notes?|documentation|results?|reports?)\b|"
     r"(?:had|have|has) not (?:yet )?(?:reached us|arrived|been sent(?: to us)?)|nothing (?:had |has )?(?:arrived|been received|came in)", 2.0),
    ("medical_necessity", r"not (?:clinically|medically) (?:warranted|indicated|appropriate|justified)|(?:is|are|were|was) (?:not )?reasonable and necessary", 2.0),
    ("quantity_limit", r"(?:plan's|our|the plan's|your plan's) (?:quantity |dose |dosing )?limit (?:for|on) ", 2.0),
    ("prior_authorization_required", r"requires? (?:[\w ]{1,30} )?to approve (?:[\w()-]+ ){1,4}before (?:it is|they are|you receive|the (?:service|infusion|treatment) is) (?:given|provided|received|dispensed|administered)|"
     # "your plan must approve Altuviiio before it is given" (dev18)
     r"(?:must|has to|needs? to) approve (?:[\w-]+ ){0,3}before|"
     r"no record (?:that|of) (?:[\w,]+ ){0,10}(?:asked us to approve|requested (?:prior )?(?:approval|authori[sz]ation))", 2.0),
    ("out_of_network", r"(?:does|do|did) not have a contract with|(?:providers?|doctors?|facilities) outside (?:the |your )?(?:[\w+-]+ ){0,3}network", 2.0),
    ("benefit_exclusion", r"plan does not include (?:coverage for )?(?:drugs|medications|medicines|services|treatments?) (?:used|prescribed|for|to)", 2.0),
    # A plan document's exclusion section, quoted by name: "in Section 7.4(k), "Excluded Drugs," lists ..."
    ("benefit_exclusion", r"[\"'](?:[\w ,-]{0,30} )?(?:excluded (?:drugs|services|medications|medicines|products|treatments|items)|exclusions)[,.]?[\"']", 2.0),
    ("step_therapy", r"no (?:pharmacy )?fills? (?:of|for)|(?:for|of) at least (?:\d+|one|two|three|six|twelve) (?:weeks|months) before (?:an? |the )", 2.0),
    # dev16 wordings (weight 2.0, below the main coding rule's 2.5): a claim table's reason cell "Billing
    # error: qty sent in pens, not mL"; "Jivi has its own code, J7208, and the 3 units on the claim do not
    # match the 3000 IU dispensed".
    ("coding_billing_error", r"\bbilling error\b", 2.0),
    ("coding_billing_error", r"has its own (?:HCPCS |billing |J-?)?code|units? (?:on|billed on|reported on) the claim (?:do|does|did) not match|"
     # "The code and the NDC must describe the same product before the line can be priced."
     r"\b(?:codes?|HCPCS|NDC)\b[^.]{0,30}\bmust (?:describe|match|agree with|correspond to) (?:the same|each other|one another)|"
     # dev17: a claim line's cell "440 units billed for 440 mg; code is per 10 mg".
     r"\bcode is (?:billed |reported )?per \d+ ?(?:mg|mcg|units?|mL)\b|\b\d+ units billed for \d+ ?(?:mg|mcg|mL)\b", 2.0),
    # Wordings of the dev17 and dev18 writers. Prior authorization: "covers this medicine only after your
    # prescriber gets approval", "Prolia is a Part B drug that this plan covers only when it has been approved
    # before it is given", "no approval had been asked for or given", "no prior authorization request for
    # Repatha has been sent", "this decision is about the missing approval only"; "nobody asked us for that
    # approval", "no prior authorization request from the pharmacy".
    ("prior_authorization_required", r"only (?:after|once|when|if)(?: [\w'-]+){0,3} (?:gets?|obtains?|receives?) (?:an? |the |our |prior |advance )*(?:approval|authori[sz]ation|precertification)|"
     r"covers? (?:[\w-]+ )?only (?:when|if|after|once) (?:it|they|this|the (?:drug|medicine|medication|service)) (?:has|have) been (?:approved|authori[sz]ed|pre-?approved) before|"
     r"no (?:prior |advance )?(?:approval|authori[sz]ation|precertification) (?:had|has|was) (?:been )?(?:asked for|requested|given|granted|sent)|"
     r"no (?:prior |advance )?(?:approval|authori[sz]ation|precertification) request(?: [\w-]+){0,3} (?:has|had|was) (?:been )?(?:sent|submitted|made|received)|"
     r"\bthe missing (?:prior )?(?:approval|authori[sz]ation|precertification)\b|"
     r"\bnobody asked (?:us |the plan )?for (?:that |an? |the |any )?(?:approval|authori[sz]ation)|"
     r"\bno (?:prior |advance )?(?:authori[sz]ation|approval|precertification) requests? (?:from|for|on file)\b", 2.0),
    # Off-label: "using Ozempic for weight loss is outside the uses the FDA has approved", "a use the FDA
    # has not approved", "uses that are not FDA-approved".
    ("off_label", r"outside (?:of )?the (?:uses|indications?) (?:that )?(?:the )?(?:FDA|Food and Drug Administration) (?:has )?approved|"
     r"\ba use (?:that )?the (?:FDA|Food and Drug Administration) has not approved|\buses? (?:that (?:are|is) )?not FDA[- ]approved\b", 2.0),
    # Quantity: "the number of doses asked for is more than the amount Medicare allows"; "the Plan's
    # dispensing limit for HYMPAVZI is 4 Pens", "which is twice that limit", "Aimovig is limited to one
    # 140 mg/mL autoinjector per 28 days".
    ("quantity_limit", r"more than the (?:amount|number|quantity|doses?)(?: [\w-]+){0,2} (?:allows?|covers?|permits?|pays? for)\b|"
     r"\bdispensing limit\b|\b(?:twice|two times|three times|double) (?:that|the|this|your plan's|the plan's) (?:limit|amount)\b|"
     r"\bis limited to (?:one|two|three|four|\d+)\b[^.]{0,40}?\b(?:per|every|each|a) (?:\d+ )?(?:days?|weeks?|months?)\b", 2.0),
    # Formulary: "the plan left it off the list", which the benefit-exclusion words beside it explain.
    ("formulary_exclusion", r"\b(?:left|kept|took|removed) (?:it|them|this drug|the drug|[\w-]+) off (?:the|its|our|your plan's|the plan's) (?:drug )?list\b", 2.0),
    # Timely filing: "Claim received 158 days after the date filled".
    ("timely_filing", r"\breceived \d+ (?:calendar )?days after the (?:date (?:filled|of service|of the fill)|fill date|service date)", 2.0),
    # dev18 wordings. Benefit exclusion: "your group did not buy the Gene and Cellular Therapy Rider",
    # "the exclusion applies".
    ("benefit_exclusion", r"(?:did not|does not|chose not to) (?:buy|purchase|add|elect|carry) (?:the |a |an |this )?(?:[\w&-]+ ){0,5}rider\b|\bthe exclusion applies\b", 2.0),
    # Step therapy: "your records and pharmacy claims show you have not tried Hemlibra".
    ("step_therapy", r"\bshows? (?:that )?you have not (?:yet )?(?:tried|used|taken|had a trial of)\b", 2.0),
    # dev19 wordings. Step therapy: "an exception for an excluded drug can be made only after two of the covered
    # drugs have been tried without success".
    ("step_therapy", r"\bonly after (?:at least )?(?:one|two|three|both|\d+) (?:of )?(?:the |your plan's |the plan's )?(?:covered|preferred|formulary|listed) "
     r"(?:drugs|medicines|medications|agents|products|alternatives) (?:have|has) been (?:tried|used|taken)\b", 2.0),
    # Network: "Front Range Oncology Pharmacy is not part of the Service Benefit Plan's Specialty Drug Pharmacy
    # Program", "covered only when they are dispensed by the Plan's specialty pharmacy".
    ("out_of_network", r"\bnot (?:part of|in|enrolled in) (?:[\w'-]+ ){0,6}pharmacy (?:program|network)\b|"
     r"\bcovered only (?:when|if) (?:they are |it is )?(?:dispensed|filled|supplied) by (?:the |our |your )?(?:plan's )?(?:designated |exclusive |network )?specialty pharmacy\b", 2.0),
    # dev20 wordings. Missing information: a table cell's "We asked your prescriber for them on 08/03/2026 and
    # again on 08/07/2026; none were received" (not "a trial ... must come first, and none was submitted or found
    # in pharmacy claims history", a step not taken).
    ("missing_information", r"\b(?:none|neither|nothing) (?:of (?:them|these|those|the records) )?(?:was|were|has been|have been|had been) (?:received|returned)\b(?! or (?:found|seen|shown))", 2.0),
    # Quantity: "More than the 4 per 28 days allowed", "Our plan limits how much of this drug is covered",
    # "the plan covers at most 1 tablet per day", "the amount asked for is more than the plan will pay for".
    ("quantity_limit", r"\bmore than the (?:\d+|one|two|three|four) (?:[\w-]+ )?(?:per|every|a|each) (?:\d+ )?(?:days?|weeks?|months?) (?:allowed|covered|permitted)\b|"
     r"\blimits how much (?:of )?(?:this|the|that|your) (?:drug|medicine|medication|product)\b|"
     r"\bcovers? (?:at most|no more than|a maximum of) (?:\d+|one|two|three|four) (?:[\w-]+ )?(?:tablets?|capsules?|pens?|doses?|vials?|syringes?|injections?|units?|infusions?)\b|"
     r"\bis more than (?:the plan|your plan|we|the Plan) (?:will |can )?(?:pays?|covers?|allows?)\b", 2.0),
    # Benefit exclusion: "has been on the Plan's Excluded Specialty Medication Schedule", "the Plan leaves this
    # drug out of your benefits altogether"; Medicare's split between its parts: "Because it is a Part B drug
    # as prescribed for you, it is not covered under this Part D plan".
    ("benefit_exclusion", r"\bon (?:the |your |our )?(?:plan's |Plan's )?excluded (?:[\w-]+ ){0,3}(?:schedule|list)\b|"
     r"\bleaves? (?:this|the|that|your) (?:drug|medicine|medication|service|treatment|product) out of (?:your|the|its) (?:benefits?|coverage)\b|"
     r"\bPart B drug\b[^.]{0,80}\bnot covered (?:under|by) (?:this|your|the) (?:Medicare )?Part D\b", 2.0),
    # Network: "you had it filled at Tiger Town Discount Drug, which is not a Kaiser Permanente pharmacy or a
    # pharmacy contracted with us".
    ("out_of_network", r"\bnot an? (?:[\w&'-]+ ){0,4}(?:pharmacy|provider|facility|doctor)(?: or an? (?:pharmacy|provider|facility|doctor))? "
     r"(?:contracted|under contract|that (?:is contracted|contracts)) with (?:us|the plan|your plan)\b", 2.0),
]
