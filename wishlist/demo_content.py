"""Demo content for Wishlist: a fictional customer base asking for features in "Ledgerly".

Ledgerly is an imaginary enterprise finance operations platform (invoicing, expenses,
approvals, reporting, integrations, admin & security, mobile, API, data import/export and
general user experience). Everything here is plain data used to seed realistic demo tenants:

* ``PRODUCT_AREAS`` -- (name, description) pairs for the product areas wishes are filed under.
* ``ACCOUNTS`` -- 15 fictional customer companies of varying size, ARR, tier and segments.
  The first one is always "Demo Corp" (``demo.test``). All domains end in ``.test``.
* ``FIRST_NAMES`` / ``LAST_NAMES`` -- for generating customer contact names.
* ``WISH_INTENTS`` -- underlying feature requests. Each intent has several ``variants``: the
  same request written by different customers in different words, lengths and tones, i.e.
  realistic near-duplicates that customer success would bundle together. Several intents
  are deliberate *hard negatives* of each other: they share most of their vocabulary but
  ask for different things (export vs. import, SSO vs. SCIM, approve vs. submit from Slack,
  bulk edit vs. bulk delete, scheduled reports vs. report failure alerts, ...), so they must
  not be bundled. A few texts contain non-ASCII characters and emoji to exercise rendering.
* ``COMMENTS`` / ``INTERNAL_COMMENTS`` -- public customer comments and internal staff notes.
* ``DECLINE_REASONS`` -- public explanations for declined wishes.
* ``THEMES`` -- strategic themes a product manager might declare.
* ``WORDS`` -- product words that vary generated wishes (the large demo, the benchmarks).

No real companies are named except integration vendors. This module has no dependencies.
"""

PRODUCT_AREAS: list[tuple[str, str]] = [
    (
        "Invoicing",
        "Creating, sending, templating and tracking customer and vendor invoices.",
    ),
    (
        "Expenses",
        "Expense capture, receipts, corporate cards, mileage and spend policies.",
    ),
    (
        "Approvals",
        "Approval chains, routing rules, delegation and escalation for spend and invoices.",
    ),
    (
        "Reporting",
        "Reports, dashboards, scheduled deliveries and financial analytics.",
    ),
    (
        "Integrations",
        (
            "Connectors for ERP, CRM and collaboration tools such as NetSuite, SAP, Salesforce "
            "and Slack."
        ),
    ),
    (
        "Admin & Security",
        "SSO, user provisioning, roles and permissions, audit logs and compliance controls.",
    ),
    (
        "Mobile",
        "The iOS and Android apps for approvers, travellers and field staff.",
    ),
    (
        "API",
        "Public REST API, webhooks, authentication and developer tooling.",
    ),
    (
        "Data import & export",
        "Bulk imports, exports, data warehouse feeds, retention and residency.",
    ),
    (
        "User experience",
        "Navigation, notifications, search, localization and accessibility across the web app.",
    ),
]

ACCOUNTS: list[dict] = [
    {
        "name": "Demo Corp",
        "domain": "demo.test",
        "size": "mid",
        "arr": 96_000,
        "tier": "premium",
        "segments": {
            "platform": "netsuite",
            "regulation": "sox",
            "region": "na",
            "industry": "software",
        },
    },
    {
        "name": "Northwind Freight",
        "domain": "northwind.test",
        "size": "enterprise",
        "arr": 1_850_000,
        "tier": "strategic",
        "segments": {
            "platform": "salesforce",
            "regulation": "sox",
            "region": "na",
            "industry": "logistics",
        },
    },
    {
        "name": "Bluefjord Analytics",
        "domain": "bluefjord.test",
        "size": "small",
        "arr": 18_500,
        "tier": "standard",
        "segments": {
            "regulation": "gdpr",
            "region": "emea",
            "industry": "software",
        },
    },
    {
        "name": "Copperline Manufacturing",
        "domain": "copperline.test",
        "size": "large",
        "arr": 420_000,
        "tier": "premium",
        "segments": {
            "platform": "sap",
            "regulation": "sox",
            "region": "na",
            "industry": "manufacturing",
        },
    },
    {
        "name": "Harbor & Pine Health",
        "domain": "harborpine.test",
        "size": "large",
        "arr": 310_000,
        "tier": "premium",
        "segments": {
            "platform": "dynamics",
            "regulation": "hipaa",
            "region": "na",
            "industry": "healthcare",
        },
    },
    {
        "name": "Kestrel Aerospace",
        "domain": "kestrel-aero.test",
        "size": "enterprise",
        "arr": 2_300_000,
        "tier": "strategic",
        "segments": {
            "platform": "sap",
            "regulation": "sox",
            "region": "emea",
            "industry": "aerospace",
        },
    },
    {
        "name": "Meridian Retail Group",
        "domain": "meridianretail.test",
        "size": "enterprise",
        "arr": 980_000,
        "tier": "strategic",
        "segments": {
            "platform": "salesforce",
            "regulation": "gdpr",
            "region": "emea",
            "industry": "retail",
        },
    },
    {
        "name": "Tallgrass Foods",
        "domain": "tallgrass.test",
        "size": "mid",
        "arr": 62_000,
        "tier": "standard",
        "segments": {
            "platform": "netsuite",
            "regulation": "none",
            "region": "na",
            "industry": "food and beverage",
        },
    },
    {
        "name": "Orbital Biosciences",
        "domain": "orbitalbio.test",
        "size": "mid",
        "arr": 128_000,
        "tier": "premium",
        "segments": {
            "platform": "salesforce",
            "regulation": "hipaa",
            "region": "na",
            "industry": "life sciences",
        },
    },
    {
        "name": "Quillstone Legal",
        "domain": "quillstone.test",
        "size": "small",
        "arr": 24_000,
        "tier": "standard",
        "segments": {
            "regulation": "gdpr",
            "region": "emea",
            "industry": "legal services",
        },
    },
    {
        "name": "Saffron Hospitality",
        "domain": "saffronhospitality.test",
        "size": "large",
        "arr": 255_000,
        "tier": "standard",
        "segments": {
            "platform": "dynamics",
            "regulation": "none",
            "region": "apac",
            "industry": "hospitality",
        },
    },
    {
        "name": "Ironleaf Insurance",
        "domain": "ironleaf.test",
        "size": "enterprise",
        "arr": 1_400_000,
        "tier": "strategic",
        "segments": {
            "platform": "salesforce",
            "regulation": "sox",
            "region": "na",
            "industry": "insurance",
        },
    },
    {
        "name": "Pemberton Media",
        "domain": "pemberton.test",
        "size": "small",
        "arr": 11_000,
        "tier": "standard",
        "segments": {
            "regulation": "none",
            "region": "latam",
            "industry": "media",
        },
    },
    {
        "name": "Lumenwave Telecom",
        "domain": "lumenwave.test",
        "size": "large",
        "arr": 560_000,
        "tier": "premium",
        "segments": {
            "platform": "sap",
            "regulation": "none",
            "region": "latam",
            "industry": "telecommunications",
        },
    },
    {
        "name": "Ashgrove Education",
        "domain": "ashgrove.test",
        "size": "mid",
        "arr": 45_000,
        "tier": "standard",
        "segments": {
            "platform": "netsuite",
            "regulation": "none",
            "region": "apac",
            "industry": "education",
        },
    },
]

FIRST_NAMES: list[str] = [
    "Amara",
    "Benedikt",
    "Chen",
    "Dolores",
    "Emeka",
    "Fatima",
    "Gareth",
    "Hana",
    "Ibrahim",
    "Jasmine",
    "Kenji",
    "Lucía",
    "Mateo",
    "Nadia",
    "Olumide",
    "Priya",
    "Quentin",
    "Rania",
    "Sofia",
    "Tomasz",
    "Ugne",
    "Vikram",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Aarav",
    "Brigitte",
    "Carlos",
    "Dana",
    "Elif",
    "Finn",
    "Grace",
    "Hamid",
    "Ingrid",
    "Jamal",
    "Keiko",
    "Leilani",
    "Marcus",
    "Nkechi",
]

LAST_NAMES: list[str] = [
    "Abara",
    "Bergström",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fernandes",
    "Gupta",
    "Hoffmann",
    "Ito",
    "Jovanović",
    "Kowalski",
    "Lindqvist",
    "Mensah",
    "Nakamura",
    "O'Connell",
    "Petrov",
    "Quiroga",
    "Rahman",
    "Schneider",
    "Tanaka",
    "Usman",
    "Vasquez",
    "Whitfield",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Adeyemi",
    "Brennan",
    "Choi",
    "Delacroix",
    "Engel",
    "Farouk",
    "Garcia",
    "Haddad",
    "Iyer",
    "Kaur",
    "Larsen",
    "Moreau",
    "Novak",
    "Okafor",
]

WISH_INTENTS: list[dict] = [
    # --- Invoicing ---
    {
        "area": "Invoicing",
        "variants": [
            (
                "Export invoices to CSV",
                (
                    "We need to pull a list of all invoices with status, amount and due date "
                    "into a spreadsheet for our month-end reconciliation. Today we copy them by "
                    "hand from the list view."
                ),
            ),
            (
                "CSV export of the invoice list",
                (
                    "A simple download button on the invoice list that respects the current "
                    "filters would be enough."
                ),
            ),
            (
                "Download invoices as CSV/Excel for reconciliation",
                "",
            ),
            (
                "invoice export",
                (
                    "our controller wants all open invoices in a csv every friday. is there a "
                    "way to get this out of ledgerly without screenshots?"
                ),
            ),
            (
                "Allow exporting filtered invoice results to a flat file",
                (
                    "Auditors ask for a full invoice register for the period. Being able to "
                    "export the filtered list (incl. custom fields) to CSV would save us about a "
                    "day each quarter."
                ),
            ),
        ],
    },
    {
        "area": "Invoicing",
        "variants": [
            (
                "Import invoices from CSV",
                (
                    "We are migrating from our old billing tool and have ~4,000 historical "
                    "invoices in a spreadsheet. We'd like to upload them instead of keying them "
                    "in."
                ),
            ),
            (
                "Bulk upload invoices via spreadsheet",
                (
                    "Our vendors send us a monthly batch file. Let us upload a CSV and create "
                    "draft invoices from each row."
                ),
            ),
            (
                "CSV invoice import",
                "Need this for our migration.",
            ),
            (
                "Ability to import invoice data from a CSV file with column mapping",
                (
                    "Column names never match between systems, so a mapping step where we pick "
                    "which column is the amount, date, vendor etc. is essential."
                ),
            ),
        ],
    },
    {
        "area": "Invoicing",
        "variants": [
            (
                "Bulk edit invoices",
                "Select several invoices and change the due date, owner or cost center in one go.",
            ),
            (
                "Mass update fields on multiple invoices",
                (
                    "When a cost center is renamed we have to open 200 invoices one by one. "
                    "Please add multi-select + edit."
                ),
            ),
            (
                "Edit many invoices at once",
                (
                    "e.g. change payment terms from Net 30 to Net 45 for every open invoice from "
                    "one vendor."
                ),
            ),
            (
                "Multi-select invoices and change their GL account together",
                "",
            ),
        ],
    },
    {
        "area": "Invoicing",
        "variants": [
            (
                "Bulk delete invoices",
                (
                    "After a bad import we had 300 junk draft invoices and had to delete them "
                    "one at a time. Multi-select delete please."
                ),
            ),
            (
                "Delete multiple draft invoices at once",
                "Cleaning up drafts one by one takes forever.",
            ),
            (
                "Mass-delete test invoices",
                (
                    "Our implementation partner created a lot of test invoices in production. We "
                    "need a way to remove them in bulk (drafts only is fine)."
                ),
            ),
            (
                "Select all + delete for invoices",
                "Checkbox column with a delete action, same as you have for contacts.",
            ),
        ],
    },
    {
        "area": "Invoicing",
        "variants": [
            (
                "Restore deleted invoices",
                (
                    "Someone on our team deleted an invoice by mistake and there was no way to "
                    "get it back. A recycle bin with 30 days retention would be great."
                ),
            ),
            (
                "Undo delete / trash bin for invoices",
                (
                    "pls, someone deleted a paid invoice last week and support had to restore it "
                    "from backup"
                ),
            ),
            (
                "Recover an accidentally deleted invoice",
                (
                    "We had to recreate it from the PDF in our inbox. An 'undo' toast right "
                    "after deleting would already help a lot."
                ),
            ),
            (
                "Soft delete for invoices so they can be restored by an admin",
                (
                    "For SOX we also need to show that deleted invoices are recoverable and the "
                    "deletion is logged."
                ),
            ),
        ],
    },
    {
        "area": "Invoicing",
        "variants": [
            (
                "Recurring invoices",
                (
                    "We bill several customers the same retainer every month. Let us set up an "
                    "invoice that repeats automatically."
                ),
            ),
            (
                "Invoice templates that auto-generate on a schedule (monthly/quarterly)",
                "",
            ),
            (
                "Auto-repeat invoices",
                (
                    "Monthly subscription billing is 80% of our invoices, and we currently clone "
                    "last month's invoice by hand."
                ),
            ),
            (
                "Subscription / recurring billing support",
                (
                    "Need recurring schedules with an end date and the option to review drafts "
                    "before they are sent."
                ),
            ),
            (
                "reccuring invoice option??",
                "surprised this doesnt exist yet tbh",
            ),
        ],
    },
    {
        "area": "Invoicing",
        "variants": [
            (
                "Automatic payment reminders for overdue invoices",
                (
                    "Send a polite reminder email 3 days before the due date and again 7 days "
                    "after, without anyone on our team having to remember."
                ),
            ),
            (
                "Dunning emails",
                "Configurable dunning sequence with templates per stage.",
            ),
            (
                "Overdue invoice reminder to customers",
                (
                    "Our AR team spends hours chasing late payers. Automated reminders would cut "
                    "our DSO."
                ),
            ),
            (
                "Nudge customers when an invoice is past due",
                "",
            ),
        ],
    },
    {
        "area": "Invoicing",
        "variants": [
            (
                "Multi-currency invoices",
                (
                    "We invoice customers in EUR, GBP and USD. Right now everything is forced "
                    "into our base currency."
                ),
            ),
            (
                "Issue invoices in the customer's local currency",
                "Our Brazilian entity needs to invoice in BRL while consolidating in USD.",
            ),
            (
                "Support currencies other than USD on invoices",
                "",
            ),
            (
                "Foreign currency invoicing with locked exchange rate",
                "Rate should be fixed on the invoice date and shown on the PDF.",
            ),
        ],
    },
    {
        "area": "Invoicing",
        "variants": [
            (
                "Record partial payments against an invoice",
                (
                    "Customers often pay in instalments. We need to log several payments and see "
                    "the remaining balance."
                ),
            ),
            (
                "Partial payments",
                "Customers pay in two or three instalments all the time.",
            ),
            (
                "Invoice should support multiple payments / instalments",
                (
                    "At the moment an invoice is either unpaid or paid, which does not reflect "
                    "reality for our larger clients."
                ),
            ),
            (
                "Track outstanding balance when a customer pays only part of the invoice",
                (
                    "Right now we mark it paid and keep a side spreadsheet, which our auditors "
                    "do not love."
                ),
            ),
        ],
    },
    {
        "area": "Invoicing",
        "variants": [
            (
                "Credit notes",
                (
                    "We need to issue a credit note against an existing invoice instead of "
                    "voiding and re-creating it."
                ),
            ),
            (
                "Issue credit memos linked to the original invoice",
                "Required for VAT compliance in Germany and France.",
            ),
            (
                "Refunds / credit notes for invoices",
                "We need a proper way to refund part of an invoice.",
            ),
            (
                "Allow negative invoices or proper credit notes",
                "Our workaround of negative line items confuses the NetSuite sync.",
            ),
        ],
    },
    {
        "area": "Invoicing",
        "variants": [
            (
                "Custom invoice PDF templates with our logo and colours",
                (
                    "Our invoices look generic. We want our logo, brand colour and a custom "
                    "footer with bank details."
                ),
            ),
            (
                "Branding on invoices",
                "Logo + brand colour on the PDF. That's all we ask!",
            ),
            (
                "Edit the layout of the invoice PDF",
                "Need to move the PO number to the top and add a free-text terms section.",
            ),
            (
                "Multiple invoice templates per legal entity",
                "Each subsidiary has its own letterhead, registration number and bank details.",
            ),
        ],
    },
    {
        "area": "Invoicing",
        "variants": [
            (
                "Ümlauts in vendor names break PDF export 😕",
                "Vendor 'Müller & Söhne GmbH' shows up as 'M?ller & S?hne' on the generated PDF.",
            ),
            (
                "Special characters rendered as question marks in invoice PDFs",
                (
                    "Accented characters (é, ñ, ø) in customer names are replaced with '?' when "
                    "we download the invoice."
                ),
            ),
            (
                "PDF generation does not support non-Latin characters",
                (
                    "Our Japanese customer names (株式会社...) come out as empty boxes. Full "
                    "Unicode font support please."
                ),
            ),
            (
                "Accents missing on PDF invoices",
                "",
            ),
        ],
    },
    {
        "area": "Invoicing",
        "variants": [
            (
                "E-invoicing support (Peppol / XRechnung)",
                (
                    "Public sector customers in Germany require XRechnung. Peppol is becoming "
                    "mandatory in Belgium as well."
                ),
            ),
            (
                "Peppol network",
                (
                    "Are you planning to become a Peppol access point or partner with one? We "
                    "need to send and receive via Peppol from next year."
                ),
            ),
            (
                "Send invoices as structured e-invoices instead of PDF",
                "Several EU customers are rejecting PDF invoices. We need UBL/Peppol output.",
            ),
            (
                "Electronic invoicing compliance for the EU mandate",
                (
                    "The 2026/2028 e-invoicing rollout affects almost all of our European "
                    "entities. What is the roadmap?"
                ),
            ),
        ],
    },
    {
        "area": "Invoicing",
        "variants": [
            (
                "Detect duplicate vendor invoices",
                (
                    "We paid the same vendor invoice twice last quarter. Warn us if an invoice "
                    "with the same vendor, number and amount already exists."
                ),
            ),
            (
                "Duplicate invoice warning",
                "A warning when the same vendor invoice number is entered twice.",
            ),
            (
                "Flag possible double payments before approval",
                "Matching on invoice number + amount within 90 days would catch most of our cases.",
            ),
            (
                "Prevent entering the same supplier bill twice",
                (
                    "AP clerks sometimes key an invoice that was also emailed to the AP inbox. "
                    "Some fuzzy matching would save real money."
                ),
            ),
        ],
    },
    {
        "area": "Invoicing",
        "variants": [
            (
                "Purchase orders with three-way matching",
                "Match invoice against PO and goods receipt before it can be approved.",
            ),
            (
                "3-way match (PO / receipt / invoice)",
                "Standard AP control, our auditors expect it.",
            ),
            (
                "Link vendor invoices to purchase orders",
                (
                    "We're on NetSuite and create POs there. We want Ledgerly to check that the "
                    "invoice amount doesn't exceed the PO."
                ),
            ),
            (
                "PO matching for AP automation",
                "Without PO matching we can't move our manufacturing sites onto Ledgerly.",
            ),
        ],
    },
    {
        "area": "Invoicing",
        "variants": [
            (
                "Supplier portal to submit invoices",
                (
                    "Let our vendors log in and upload invoices themselves, and see payment "
                    "status, instead of emailing AP."
                ),
            ),
            (
                "Vendor self-service portal",
                (
                    "Suppliers upload invoices, update bank details (with verification) and see "
                    "payment status."
                ),
            ),
            (
                "External portal where suppliers can check if they've been paid",
                "Half of the AP inbox is vendors asking 'when will I be paid?'.",
            ),
        ],
    },
    {
        "area": "Invoicing",
        "variants": [
            (
                "Multiple VAT rates on one invoice",
                (
                    "Line items can have different tax rates (19% and 7% in Germany). Currently "
                    "the tax rate applies to the whole invoice."
                ),
            ),
            (
                "Per-line tax rates",
                "Tax rate per line item, not per invoice.",
            ),
            (
                "Tax rate at line item level instead of invoice level",
                "Needed for mixed goods/services invoices in the UK and EU.",
            ),
            (
                "Support reduced VAT on specific line items",
                "We sell books (reduced rate) and software (standard rate) on the same invoice.",
            ),
        ],
    },
    # --- Expenses ---
    {
        "area": "Expenses",
        "variants": [
            (
                "Mileage tracking for expenses",
                (
                    "Let employees log a trip (start/end address) and calculate reimbursement at "
                    "the IRS rate."
                ),
            ),
            (
                "Mileage reimbursement with GPS",
                "Field sales drive a lot. GPS-based mileage from the mobile app would be ideal.",
            ),
            (
                "Add a mileage expense type",
                "",
            ),
            (
                "km allowance",
                "In Germany we reimburse 0.30 €/km. Please allow configurable rates per country.",
            ),
        ],
    },
    {
        "area": "Expenses",
        "variants": [
            (
                "Per diem rates by country",
                (
                    "For international travel we pay daily allowances by destination. We need "
                    "per diem rates that are applied automatically."
                ),
            ),
            (
                "Daily allowance / per diem support",
                (
                    "We currently calculate per diems in Excel and enter them as a single "
                    "expense line."
                ),
            ),
            (
                "Per diems for business trips",
                "Should cover partial days and meals provided by the hotel (deductions).",
            ),
        ],
    },
    {
        "area": "Expenses",
        "variants": [
            (
                "Corporate card feed reconciliation",
                (
                    "Import transactions from our corporate card program and match them to "
                    "submitted receipts automatically."
                ),
            ),
            (
                "Automatic matching of card transactions to receipts",
                "Matching by amount and date within a couple of days would cover most cases.",
            ),
            (
                "Company credit card integration",
                (
                    "Employees currently re-type every card transaction. Importing the card feed "
                    "would eliminate most manual entry."
                ),
            ),
            (
                "Reconcile commercial card statements",
                "Unmatched transactions should be highlighted to the cardholder at month end.",
            ),
        ],
    },
    {
        "area": "Expenses",
        "variants": [
            (
                "Warn about policy violations before submitting an expense",
                (
                    "Employees only find out they broke the policy when the approver rejects it. "
                    "Show a warning while they fill in the form."
                ),
            ),
            (
                "Real-time expense policy checks",
                "",
            ),
            (
                "Show policy limit when entering an expense",
                "e.g. 'Hotel limit for London is £200/night, you entered £260'.",
            ),
            (
                "Inline policy warnings on expense reports",
                (
                    "This would cut our rejection rate significantly. Currently ~20% of reports "
                    "bounce back."
                ),
            ),
        ],
    },
    {
        "area": "Expenses",
        "variants": [
            (
                "Detect duplicate expense submissions",
                (
                    "The same receipt was submitted twice by an employee (once from mobile, once "
                    "from web) and nobody noticed."
                ),
            ),
            (
                "Duplicate receipt detection",
                "Same photo uploaded twice should be caught.",
            ),
            (
                "Flag expenses with same amount, date and merchant",
                "Just a visual warning to the approver would be enough.",
            ),
        ],
    },
    {
        "area": "Expenses",
        "variants": [
            (
                "Better receipt OCR accuracy",
                (
                    "The scanner often reads the tax amount as the total and the date in the "
                    "wrong format (DD/MM vs MM/DD)."
                ),
            ),
            (
                "Receipt scanning gets amounts wrong",
                "Especially on thermal paper receipts and anything not in English.",
            ),
            (
                "OCR improvements",
                "ocr reads 1 as 7 constantly",
            ),
            (
                "Improve automatic data extraction from receipts",
                (
                    "Our employees now just type everything themselves because they don't trust "
                    "the scanned values."
                ),
            ),
        ],
    },
    {
        "area": "Expenses",
        "variants": [
            (
                "Forward receipts by email",
                (
                    "Give each user an email address where they can forward e-receipts "
                    "(ride-hailing, airlines, hotels) and have an expense created automatically."
                ),
            ),
            (
                "Email-in receipts",
                "Forward an email, get an expense. Simple.",
            ),
            (
                "Dedicated inbox for receipts",
                (
                    "Most of our receipts arrive by email anyway. Forwarding them would be "
                    "easier than downloading and uploading the PDF."
                ),
            ),
            (
                "Create expenses from forwarded emails",
                "Like receipts@ledgerly with auto-matching to the sender's account.",
            ),
        ],
    },
    {
        "area": "Expenses",
        "variants": [
            (
                "Custom fields on expenses",
                "We need a 'Project code' and 'Client billable (Y/N)' field on each expense line.",
            ),
            (
                "Add our own fields to expense reports",
                "",
            ),
            (
                "Configurable expense form fields",
                (
                    "Different departments need different mandatory fields. Custom fields with "
                    "per-department visibility."
                ),
            ),
        ],
    },
    # --- Invoicing ---
    {
        "area": "Invoicing",
        "variants": [
            (
                "Custom fields on invoices",
                "We need to store our internal contract ID and a region code on every invoice.",
            ),
            (
                "Additional fields on invoice header",
                "",
            ),
            (
                "User-defined invoice fields that sync to NetSuite",
                (
                    "We're on NetSuite and use custom segments. Need matching custom fields on "
                    "invoices to map them."
                ),
            ),
        ],
    },
    # --- Expenses ---
    {
        "area": "Expenses",
        "variants": [
            (
                "Submit expenses from Slack",
                (
                    "Let employees snap a receipt and send it to a Ledgerly bot in Slack to "
                    "create an expense."
                ),
            ),
            (
                "Create expense via Slack message",
                "DM the bot a photo of the receipt and it creates a draft expense.",
            ),
            (
                "Slack bot for expense submission",
                (
                    "Our people live in Slack; they'd submit expenses much faster if they didn't "
                    "have to open another app."
                ),
            ),
            (
                "/expense slash command in Slack",
                "e.g. '/expense 42.50 lunch with client Acme' plus an attached photo.",
            ),
        ],
    },
    # --- Approvals ---
    {
        "area": "Approvals",
        "variants": [
            (
                "Approve expenses from Slack",
                (
                    "Approvers get a Slack message with Approve / Reject buttons so they don't "
                    "have to log in."
                ),
            ),
            (
                "Slack approvals",
                "",
            ),
            (
                "One-click approve in Slack",
                (
                    "Our managers ignore Ledgerly emails but respond to Slack instantly. "
                    "Interactive approval messages would cut our cycle time."
                ),
            ),
            (
                "Approve/reject expense reports directly in a Slack DM",
                "Should show amount, submitter and a link to the receipt.",
            ),
            (
                "Can approvers action requests from slack?",
                "we have 300 approvers who never log into ledgerly 😅",
            ),
        ],
    },
    {
        "area": "Approvals",
        "variants": [
            (
                "Approve requests from Microsoft Teams",
                "We're a Microsoft shop – no Slack. Please offer the same approval cards in Teams.",
            ),
            (
                "Teams integration for approvals",
                "Our approvers live in Teams; emails get buried.",
            ),
            (
                "Adaptive card approvals in MS Teams",
                "Approvers should be able to approve or reject without leaving Teams.",
            ),
        ],
    },
    {
        "area": "Approvals",
        "variants": [
            (
                "Multi-level approval chains",
                "Expenses over $5k need manager, then department head, then CFO approval.",
            ),
            (
                "Sequential approvals with more than two steps",
                "We need up to 4 levels for capex.",
            ),
            (
                "Approval workflow: add third and fourth approver levels",
                "Current limit of two levels doesn't match our delegation of authority matrix.",
            ),
            (
                "Tiered approvals",
                "Different chains for capex vs opex would be a bonus.",
            ),
        ],
    },
    {
        "area": "Approvals",
        "variants": [
            (
                "Approval thresholds based on amount",
                (
                    "Invoices under $1,000 should auto-approve; above $25k need finance director "
                    "sign-off."
                ),
            ),
            (
                "Auto-approve small amounts",
                "",
            ),
            (
                "Route approvals by amount bands",
                "We need different approvers for <10k, 10-50k and >50k as per our SOX controls.",
            ),
            (
                "Configurable dollar limits per approver",
                (
                    "Each approver has a signing limit; if the amount exceeds it, escalate to "
                    "the next level automatically."
                ),
            ),
        ],
    },
    {
        "area": "Approvals",
        "variants": [
            (
                "Route approvals by cost center",
                (
                    "Each cost center has an owner who should approve spend against it, "
                    "regardless of the submitter's manager."
                ),
            ),
            (
                "Cost-center-based approval routing",
                "The cost center owner should approve, not the line manager.",
            ),
            (
                "Approver determined by department / cost center instead of reporting line",
                "Our matrix organisation means the line manager often isn't the budget owner.",
            ),
        ],
    },
    {
        "area": "Approvals",
        "variants": [
            (
                "Delegate approvals while out of office",
                "When I'm on vacation, my approvals should go to a named deputy for that period.",
            ),
            (
                "Out-of-office approval delegation",
                "Approvals get stuck every summer holiday.",
            ),
            (
                "Temporary approver substitution",
                (
                    "Admins currently have to change the workflow manually every time a manager "
                    "goes on leave."
                ),
            ),
            (
                "OOO delegate",
                "Set start/end date and a backup approver. Pretty standard in other tools.",
            ),
        ],
    },
    {
        "area": "Approvals",
        "variants": [
            (
                "Escalate approvals that are pending too long",
                (
                    "If an approval sits for more than 3 business days, remind the approver and "
                    "then escalate to their manager."
                ),
            ),
            (
                "Approval SLA reminders",
                "Remind after 2 days, escalate after 5.",
            ),
            (
                "Auto-escalation for stale approval requests",
                (
                    "Our month-end close is regularly delayed by invoices stuck waiting for one "
                    "person."
                ),
            ),
            (
                "Reminder emails for pending approvals",
                "A daily reminder to approvers with items older than 48h.",
            ),
        ],
    },
    {
        "area": "Approvals",
        "variants": [
            (
                "Bulk approve",
                (
                    "Approvers with 50+ small expense reports want to select all and approve in "
                    "one go."
                ),
            ),
            (
                "Approve multiple reports at once",
                "Checkbox + approve selected.",
            ),
            (
                "Mass approval for low-risk items",
                "Maybe only allow bulk approve for items with no policy violations.",
            ),
        ],
    },
    {
        "area": "Approvals",
        "variants": [
            (
                "Require a comment when rejecting",
                (
                    "Submitters get rejections with no explanation and have to chase the "
                    "approver. Make the reason mandatory."
                ),
            ),
            (
                "Mandatory rejection reason",
                "",
            ),
            (
                "Rejection comments should be required",
                "Also useful for audit: why was this rejected?",
            ),
        ],
    },
    # --- Reporting ---
    {
        "area": "Reporting",
        "variants": [
            (
                "Scheduled report emails",
                "Email the AP aging report to our finance leadership every Monday at 8am.",
            ),
            (
                "Schedule reports to be sent automatically",
                "Weekly, to people who don't have a Ledgerly login.",
            ),
            (
                "Recurring report delivery by email",
                (
                    "Daily/weekly/monthly with PDF or CSV attachment and a list of recipients "
                    "(incl. non-users)."
                ),
            ),
            (
                "Subscribe to a report",
                "Like a 'subscribe' button on any saved report, so I get it in my inbox each week.",
            ),
        ],
    },
    {
        "area": "Reporting",
        "variants": [
            (
                "Email notification when a scheduled report fails",
                (
                    "Last month our weekly report silently stopped sending and nobody noticed "
                    "for three weeks."
                ),
            ),
            (
                "Alert on report failure",
                "We only find out when someone asks where the Monday report is.",
            ),
            (
                "Notify the owner if a report delivery errors out",
                "Something like 'Your report X could not be generated: data source timeout'.",
            ),
            (
                "Failed scheduled reports should alert someone",
                "Right now the only way to know is that the email doesn't arrive.",
            ),
        ],
    },
    {
        "area": "Reporting",
        "variants": [
            (
                "Custom report builder",
                (
                    "Let us pick columns, grouping and filters across invoices and expenses and "
                    "save the result as a report."
                ),
            ),
            (
                "Build our own reports",
                "Canned reports aren't enough for our FP&A team.",
            ),
            (
                "Ad-hoc reporting",
                (
                    "The canned reports cover 70% of what we need. For the rest we export "
                    "everything to Excel and build pivots."
                ),
            ),
            (
                "Drag-and-drop report designer",
                "Something like a pivot table in the browser with the ability to save and share.",
            ),
        ],
    },
    {
        "area": "Reporting",
        "variants": [
            (
                "Save report filters",
                (
                    "I apply the same five filters every time I open the spend report. Let me "
                    "save them."
                ),
            ),
            (
                "Saved filter presets on reports",
                "",
            ),
            (
                "Remember my last used report filters",
                "Even just persisting them per user between sessions would help.",
            ),
        ],
    },
    {
        "area": "Reporting",
        "variants": [
            (
                "Budget vs actuals report",
                (
                    "Compare spend per cost center against the budget we upload at the start of "
                    "the fiscal year."
                ),
            ),
            (
                "Budgets",
                "Please add budgets so we can compare planned vs actual spend per cost center.",
            ),
            (
                "Upload budgets and track variance",
                "We'd like to see variance in % and absolute, by month and YTD.",
            ),
            (
                "Budget tracking per department",
                "Department heads want to see how much they have left before submitting new spend.",
            ),
        ],
    },
    {
        "area": "Reporting",
        "variants": [
            (
                "Drill down from dashboard charts",
                (
                    "Clicking a bar in the spend-by-category chart should show the underlying "
                    "transactions."
                ),
            ),
            (
                "Click-through from dashboard widgets to details",
                "Clicking a number should open the list of records behind it.",
            ),
            (
                "Dashboard drill-down",
                (
                    "CFO wants to go from the headline number to individual invoices without "
                    "switching to another screen."
                ),
            ),
        ],
    },
    {
        "area": "Reporting",
        "variants": [
            (
                "Share dashboards with read-only users",
                (
                    "Our board members and department heads should be able to view dashboards "
                    "without a full (paid) seat."
                ),
            ),
            (
                "View-only dashboard access",
                "For budget holders who shouldn't need a full license.",
            ),
            (
                "Read-only role for dashboards",
                (
                    "Need to share spend dashboards with budget holders who must not see "
                    "individual employee expenses."
                ),
            ),
            (
                "Public link for a dashboard (SSO protected)",
                "A shareable link that still requires our SSO login.",
            ),
        ],
    },
    {
        "area": "Reporting",
        "variants": [
            (
                "Export dashboard to PDF",
                (
                    "For our monthly board pack we screenshot every widget. A PDF export of the "
                    "whole dashboard would be great."
                ),
            ),
            (
                "Download dashboards as PDF",
                "",
            ),
            (
                "Print-friendly dashboard export",
                "Needs to keep the current filters and date range on the export.",
            ),
        ],
    },
    {
        "area": "Reporting",
        "variants": [
            (
                "Export reports to Excel (xlsx)",
                (
                    "CSV loses formatting and leading zeros on our cost center codes. Native "
                    "xlsx export please."
                ),
            ),
            (
                "Excel export",
                "xlsx export for all reports. CSV mangles our account codes.",
            ),
            (
                "Report download in .xlsx with number formatting",
                "Dates and currencies should be real Excel types, not text.",
            ),
            (
                "XLSX instead of CSV for reports",
                "Our controllers open everything in Excel anyway.",
            ),
        ],
    },
    {
        "area": "Reporting",
        "variants": [
            (
                "Currency conversion in reports",
                (
                    "Show consolidated reports in our reporting currency (USD) with the rate "
                    "used on the transaction date."
                ),
            ),
            (
                "Consolidated multi-currency reporting",
                "",
            ),
            (
                "Report totals in a single currency",
                "Right now totals just add EUR and USD together, which is wrong.",
            ),
        ],
    },
    # --- Integrations ---
    {
        "area": "Integrations",
        "variants": [
            (
                "Two-way vendor sync with NetSuite",
                (
                    "Vendors created in NetSuite should appear in Ledgerly and vice versa, "
                    "including bank details."
                ),
            ),
            (
                "NetSuite vendor sync",
                "Vendor master lives in NetSuite; Ledgerly should follow automatically.",
            ),
            (
                "Keep supplier master data in sync between NetSuite and Ledgerly",
                "We're on NetSuite OneWorld. Today vendor changes have to be made twice.",
            ),
            (
                "bidirectional vendor sync netsuite",
                "Vendor updates in Ledgerly (address, tax id) never make it back to NS.",
            ),
        ],
    },
    {
        "area": "Integrations",
        "variants": [
            (
                "Sync GL accounts and segments from NetSuite",
                (
                    "Our chart of accounts changes every quarter. Import GL codes, departments "
                    "and classes automatically."
                ),
            ),
            (
                "NetSuite chart of accounts sync",
                (
                    "GL codes drift out of sync every quarter and expenses get coded to inactive "
                    "accounts."
                ),
            ),
            (
                "Pull accounting dimensions from NetSuite",
                (
                    "Classes, departments, locations and custom segments should be selectable on "
                    "expenses and stay in sync."
                ),
            ),
        ],
    },
    {
        "area": "Integrations",
        "variants": [
            (
                "Create an invoice from a Salesforce opportunity",
                (
                    "When an opportunity is Closed Won, generate a draft invoice in Ledgerly "
                    "with the products and amounts."
                ),
            ),
            (
                "Salesforce → Ledgerly invoice creation",
                "Closed Won → draft invoice, with line items from the opportunity products.",
            ),
            (
                "Generate invoices from Closed Won deals",
                "Our sales ops team re-types every deal into Ledgerly. It's error-prone and slow.",
            ),
        ],
    },
    {
        "area": "Integrations",
        "variants": [
            (
                "Show invoice status on the Salesforce account",
                (
                    "Account managers want to see open/overdue invoices on the account page in "
                    "Salesforce before calling a customer."
                ),
            ),
            (
                "Salesforce component with invoice and payment status",
                "",
            ),
            (
                "Ledgerly invoice data inside Salesforce",
                "A Lightning component listing invoices, balances and days overdue per account.",
            ),
            (
                "Sync payment status back to Salesforce",
                "Sales should know if a customer hasn't paid before offering a renewal discount.",
            ),
        ],
    },
    {
        "area": "Integrations",
        "variants": [
            (
                "SAP S/4HANA connector",
                (
                    "We run S/4HANA and need approved invoices posted automatically with the "
                    "correct company code."
                ),
            ),
            (
                "Native SAP integration",
                "We're on SAP and the CSV export route is too manual.",
            ),
            (
                "Post approved invoices and expenses to SAP",
                (
                    "Currently we use a flat-file export and a custom job in SAP, which breaks "
                    "every time the format changes."
                ),
            ),
            (
                "SAP ECC / S4 integration",
                "Still on ECC for two more years, so please support both.",
            ),
        ],
    },
    {
        "area": "Integrations",
        "variants": [
            (
                "Microsoft Dynamics 365 Finance integration",
                (
                    "Sync vendors, GL accounts and approved bills with Dynamics 365 Finance & "
                    "Operations."
                ),
            ),
            (
                "Dynamics 365 connector",
                "",
            ),
            (
                "Integration with Dynamics Business Central",
                "For our smaller subsidiaries which run Business Central.",
            ),
        ],
    },
    {
        "area": "Integrations",
        "variants": [
            (
                "QuickBooks Online integration",
                (
                    "Our smaller subsidiaries use QuickBooks Online and need approved bills to "
                    "sync there."
                ),
            ),
            (
                "Sync with QuickBooks",
                "Two of our acquired companies still run QuickBooks Online.",
            ),
            (
                "QBO connector",
                "Just bills + vendors would be enough to start.",
            ),
        ],
    },
    {
        "area": "Integrations",
        "variants": [
            (
                "Xero integration",
                "Our Australian and New Zealand entities run on Xero.",
            ),
            (
                "Connect Ledgerly to Xero",
                "Sync invoices and payments so we don't double-key.",
            ),
            (
                "Xero accounting sync for APAC subsidiaries",
                "",
            ),
        ],
    },
    {
        "area": "Integrations",
        "variants": [
            (
                "Create a Jira issue when an invoice is disputed",
                (
                    "Disputes usually need work from delivery teams who live in Jira. "
                    "Auto-create a ticket with invoice details."
                ),
            ),
            (
                "Jira integration for invoice disputes",
                "Our delivery teams track dispute work in Jira.",
            ),
            (
                "Link Ledgerly disputes to Jira tickets",
                (
                    "Two-way status: when the Jira ticket is resolved, the dispute should move "
                    "to 'ready to re-issue'."
                ),
            ),
        ],
    },
    {
        "area": "Integrations",
        "variants": [
            (
                "Slack notifications for pending approvals",
                (
                    "Just a notification (not approving) in a Slack channel when something is "
                    "waiting for my team."
                ),
            ),
            (
                "Post to a Slack channel when a large invoice is submitted",
                "",
            ),
            (
                "Channel alerts in Slack",
                (
                    "e.g. #finance-alerts gets a message for any invoice over $50k or any "
                    "rejected payment."
                ),
            ),
        ],
    },
    # --- Admin & Security ---
    {
        "area": "Admin & Security",
        "variants": [
            (
                "SSO with Okta (SAML)",
                (
                    "We require all SaaS apps to use Okta SAML SSO. Password login should be "
                    "disabled for our tenant."
                ),
            ),
            (
                "Okta single sign-on",
                "Please add Okta SSO, it's a hard requirement from our IT team.",
            ),
            (
                "SAML 2.0 SSO support",
                "Our security team won't approve the renewal without SSO. We use Okta.",
            ),
            (
                "Login with Okta",
                "Users complain about yet another password. Okta tile please.",
            ),
            (
                "Enforce SSO-only login via our Okta IdP",
                "Including IdP-initiated login and just-in-time account creation.",
            ),
        ],
    },
    {
        "area": "Admin & Security",
        "variants": [
            (
                "SCIM user provisioning from Okta",
                (
                    "Create, update and deactivate users automatically when they join or leave, "
                    "driven by Okta."
                ),
            ),
            (
                "SCIM 2.0 support",
                "For automatic user lifecycle management from our IdP (Okta).",
            ),
            (
                "Automatic deprovisioning of leavers via Okta",
                (
                    "Our auditors flagged that ex-employees still had Ledgerly access weeks "
                    "after leaving. SCIM would fix this."
                ),
            ),
            (
                "Okta provisioning (not just SSO)",
                (
                    "SSO works great, but we still create users manually. Need SCIM with group "
                    "push for roles."
                ),
            ),
        ],
    },
    {
        "area": "Admin & Security",
        "variants": [
            (
                "SSO with Azure AD / Entra ID",
                (
                    "We're a Microsoft shop and use Azure AD for all SSO. Please support it "
                    "alongside Okta."
                ),
            ),
            (
                "Microsoft Entra ID single sign-on",
                "",
            ),
            (
                "Azure Active Directory SAML login",
                "Should map Azure AD groups to Ledgerly roles.",
            ),
        ],
    },
    {
        "area": "Admin & Security",
        "variants": [
            (
                "Custom roles and permissions",
                (
                    "The built-in roles are too coarse. We need e.g. an 'AP clerk' who can enter "
                    "invoices but not approve or pay."
                ),
            ),
            (
                "Granular permissions",
                "Roles are all-or-nothing today.",
            ),
            (
                "Role builder",
                (
                    "Let admins compose roles from individual permissions (view, create, "
                    "approve, export) per module."
                ),
            ),
            (
                "Create our own user roles",
                (
                    "Segregation of duties for SOX requires that preparers cannot approve their "
                    "own entries."
                ),
            ),
        ],
    },
    {
        "area": "Admin & Security",
        "variants": [
            (
                "Restrict data access by legal entity",
                "Users in our UK subsidiary must only see UK invoices and expenses.",
            ),
            (
                "Entity-level data permissions",
                "",
            ),
            (
                "Subsidiary-based visibility",
                (
                    "We have 14 entities. Local finance teams should only see their own entity's "
                    "data, group finance sees all."
                ),
            ),
        ],
    },
    {
        "area": "Admin & Security",
        "variants": [
            (
                "Export audit logs to our SIEM",
                "Stream audit events to a syslog or HTTPS endpoint so our SOC can ingest them.",
            ),
            (
                "Audit log streaming",
                "Real-time streaming to our SIEM's HTTP collector.",
            ),
            (
                "Send audit trail to our SIEM (syslog / HTTPS)",
                (
                    "Security requires all SaaS audit logs centralised. A daily export file "
                    "would be a start."
                ),
            ),
            (
                "Audit log API or export",
                "Need to pull login and permission-change events into our security tooling.",
            ),
        ],
    },
    {
        "area": "Admin & Security",
        "variants": [
            (
                "Longer audit log retention",
                (
                    "Audit logs are only kept for 90 days. SOX requires us to retain evidence "
                    "for 7 years."
                ),
            ),
            (
                "Keep audit history for 7 years",
                "",
            ),
            (
                "Configurable audit log retention period",
                "Some of our regulated entities need 10 years.",
            ),
        ],
    },
    {
        "area": "Admin & Security",
        "variants": [
            (
                "Enforce MFA for all users",
                (
                    "Admins should be able to require multi-factor authentication for everyone "
                    "not using SSO."
                ),
            ),
            (
                "Mandatory 2FA",
                "For all non-SSO users, no opt-out.",
            ),
            (
                "Require two-factor authentication for admins",
                "At a minimum for admin and payment roles.",
            ),
            (
                "MFA enforcement policy",
                "Support authenticator apps and security keys (FIDO2), not only SMS.",
            ),
        ],
    },
    {
        "area": "Admin & Security",
        "variants": [
            (
                "IP allowlisting",
                "Restrict access to our corporate network and VPN ranges.",
            ),
            (
                "Limit logins to specific IP ranges",
                "Only from office and VPN.",
            ),
            (
                "IP whitelist for tenant access",
                "Required by our infosec policy for any system that holds bank details.",
            ),
        ],
    },
    {
        "area": "Admin & Security",
        "variants": [
            (
                "Configurable session timeout",
                (
                    "Users are logged out after 30 minutes which is too short for people working "
                    "on month-end. Let admins set it."
                ),
            ),
            (
                "Session length setting",
                "Let admins choose between 15 min and 12 h.",
            ),
            (
                "Shorter idle timeout for compliance",
                "HIPAA auditors want a 15 minute idle timeout. Make it configurable per tenant.",
            ),
        ],
    },
    {
        "area": "Admin & Security",
        "variants": [
            (
                "Sandbox copy of our configuration to test workflow changes",
                (
                    "We want to trial new approval rules on a copy of production before rolling "
                    "them out."
                ),
            ),
            (
                "Staging environment for admins",
                "",
            ),
            (
                "Test changes to approval workflows before going live",
                (
                    "Every workflow change is currently tested in production, which makes our "
                    "change management team nervous."
                ),
            ),
        ],
    },
    # --- Mobile ---
    {
        "area": "Mobile",
        "variants": [
            (
                "Approve from the mobile app with push notifications",
                "Get a push notification for new approval requests and approve with one tap.",
            ),
            (
                "Mobile approvals",
                "Approve/reject with one tap on the phone, including viewing attachments.",
            ),
            (
                "Push notification when something needs my approval",
                "Our executives approve almost everything from their phone between meetings.",
            ),
            (
                "Approve invoices on iPhone",
                "The app only supports expenses today; invoices need approval on the go too.",
            ),
        ],
    },
    {
        "area": "Mobile",
        "variants": [
            (
                "Capture receipts with the phone camera",
                (
                    "Take a photo of the receipt in the app and attach it to a new expense "
                    "immediately."
                ),
            ),
            (
                "Receipt photo upload from mobile",
                "Uploading from the camera roll is clunky; take the photo directly in the app.",
            ),
            (
                "Snap receipts in the Android app",
                "Should also handle multi-page receipts and crop automatically.",
            ),
        ],
    },
    {
        "area": "Mobile",
        "variants": [
            (
                "Offline mode for the mobile app",
                (
                    "Our field technicians often have no signal. Let them create expenses "
                    "offline and sync later."
                ),
            ),
            (
                "Work offline",
                "App is useless on planes.",
            ),
            (
                "Queue expenses when there's no connectivity",
                "Flights, rural sites, basements – the app just spins forever.",
            ),
        ],
    },
    {
        "area": "Mobile",
        "variants": [
            (
                "Face ID / fingerprint login",
                "Logging in with the full password on mobile every time is painful.",
            ),
            (
                "Biometric login on mobile",
                "",
            ),
            (
                "Touch ID unlock for the app",
                "Together with SSO, so we don't have to go through the Okta page every time.",
            ),
        ],
    },
    {
        "area": "Mobile",
        "variants": [
            (
                "Tablet layout for iPad",
                (
                    "The app is just a stretched phone layout on iPad. Our warehouse managers "
                    "use iPads."
                ),
            ),
            (
                "iPad optimised app",
                "",
            ),
            (
                "Better support for tablets",
                "Landscape mode please!",
            ),
        ],
    },
    # --- API ---
    {
        "area": "API",
        "variants": [
            (
                "Webhooks for invoice status changes",
                (
                    "Notify our systems when an invoice is approved, paid or rejected instead of "
                    "polling the API."
                ),
            ),
            (
                "Invoice webhooks",
                "Webhooks for invoice.approved and invoice.paid would cover our needs.",
            ),
            (
                "Event subscriptions (webhooks) for invoice lifecycle",
                "Events: created, submitted, approved, paid, voided. With HMAC signatures.",
            ),
            (
                "Push notifications to our endpoint when invoices change",
                "We currently poll every 5 minutes and hit rate limits.",
            ),
        ],
    },
    {
        "area": "API",
        "variants": [
            (
                "Retry failed webhook deliveries and show a delivery log",
                (
                    "When our endpoint was down for an hour we lost all events. Please retry "
                    "with backoff."
                ),
            ),
            (
                "Webhook delivery history",
                "",
            ),
            (
                "Webhook retries",
                "Also a 'replay' button for events in the last 7 days.",
            ),
        ],
    },
    {
        "area": "API",
        "variants": [
            (
                "Increase API rate limits",
                "100 requests/minute isn't enough for our nightly sync of 50k invoices.",
            ),
            (
                "Higher API quota for enterprise plans",
                "We'd pay for a higher limit.",
            ),
            (
                "API throttling too aggressive",
                "We get 429s during month-end even with backoff.",
            ),
        ],
    },
    {
        "area": "API",
        "variants": [
            (
                "Cursor-based pagination for list endpoints",
                "Offset pagination returns duplicates when records change during the sync.",
            ),
            (
                "Better pagination in the API",
                "",
            ),
            (
                "Stable pagination for large result sets",
                "Page 400+ times out with offset pagination.",
            ),
        ],
    },
    {
        "area": "API",
        "variants": [
            (
                "OAuth 2.0 client credentials for API access",
                "Static API keys tied to a user account are a problem when that person leaves.",
            ),
            (
                "Service accounts for the API",
                "Non-human accounts for integrations that don't consume a seat.",
            ),
            (
                "Scoped API tokens",
                "Need read-only tokens for our BI tool and write tokens only for the integration.",
            ),
            (
                "Machine-to-machine auth (OAuth) instead of personal API keys",
                "Security wants short-lived tokens and no keys tied to humans.",
            ),
        ],
    },
    {
        "area": "API",
        "variants": [
            (
                "Developer sandbox for API testing",
                (
                    "A separate tenant with test data where we can build integrations without "
                    "touching production."
                ),
            ),
            (
                "API sandbox",
                "Needed for our integration partner.",
            ),
            (
                "Test environment for integrations",
                "Our SI partner needs somewhere to develop the SAP integration safely.",
            ),
        ],
    },
    {
        "area": "API",
        "variants": [
            (
                "Publish an OpenAPI specification",
                "Then we can generate clients in our own languages.",
            ),
            (
                "OpenAPI / Swagger spec",
                "",
            ),
            (
                "Official SDKs for Python and .NET",
                (
                    "Our integration team would much prefer a maintained SDK over hand-written "
                    "HTTP calls."
                ),
            ),
        ],
    },
    # --- Data import & export ---
    {
        "area": "Data import & export",
        "variants": [
            (
                "Nightly export to our data warehouse",
                (
                    "Finance analytics wants all Ledgerly data in the warehouse next to our "
                    "other sources."
                ),
            ),
            (
                "Data warehouse sync",
                "Any standard warehouse connector would help; CSV drops are the fallback.",
            ),
            (
                "Full data export to our own cloud storage bucket",
                "A daily dump of all tables as Parquet or CSV that we can load ourselves.",
            ),
            (
                "Replicate Ledgerly data into our analytics warehouse",
                (
                    "Our BI team builds all finance dashboards on top of the warehouse, not in "
                    "individual apps."
                ),
            ),
        ],
    },
    {
        "area": "Data import & export",
        "variants": [
            (
                "Import vendors from Excel",
                (
                    "Onboarding a new subsidiary means creating 600 vendors by hand. Let us "
                    "upload a spreadsheet."
                ),
            ),
            (
                "Bulk vendor import",
                "Upload a file with vendors and bank details.",
            ),
            (
                "Vendor master data upload (xlsx)",
                "Should validate tax IDs and IBANs and report errors per row.",
            ),
        ],
    },
    {
        "area": "Data import & export",
        "variants": [
            (
                "GDPR: delete or anonymise a former employee's personal data",
                (
                    "We get erasure requests and have no way to anonymise someone's expense "
                    "history while keeping the financial records."
                ),
            ),
            (
                "Right to be forgotten",
                (
                    "GDPR Art. 17 requests – we need a way to comply without deleting accounting "
                    "records."
                ),
            ),
            (
                "Data retention policies",
                (
                    "Automatically purge personal data (receipts, addresses) after X years, "
                    "configurable per entity."
                ),
            ),
            (
                "Anonymise leavers after retention period",
                "Our DPO needs this before we roll out to our EU entities.",
            ),
        ],
    },
    {
        "area": "Data import & export",
        "variants": [
            (
                "EU data residency",
                "Our works council requires that employee expense data is hosted in the EU.",
            ),
            (
                "Host our data in Europe",
                "Frankfurt or Dublin region would work for us.",
            ),
            (
                "Regional hosting options (EU, UK, Australia)",
                "Several of our tenders require data to stay in-region.",
            ),
        ],
    },
    # --- User experience ---
    {
        "area": "User experience",
        "variants": [
            (
                "Dark mode",
                "",
            ),
            (
                "Night theme please",
                "Late close nights are rough on the eyes.",
            ),
            (
                "Black background option - my eyes hurt after long sessions",
                "I spend 8+ hours a day in the invoice queue.",
            ),
            (
                "Support OS-level dark appearance",
                "Follow prefers-color-scheme so the app matches the rest of my desktop.",
            ),
            (
                "dark theme 🌙",
                "Every other tool we use has it.",
            ),
        ],
    },
    {
        "area": "User experience",
        "variants": [
            (
                "German and French UI translations",
                "Many of our AP clerks in DACH and France aren't comfortable working in English.",
            ),
            (
                "Localise the app into Spanish and Portuguese",
                "Our LATAM teams would adopt Ledgerly much faster in their own language.",
            ),
            (
                "Multi-language user interface",
                "",
            ),
            (
                "Translations for the employee-facing screens",
                (
                    "At least the expense submission and approval screens; admin screens can "
                    "stay English."
                ),
            ),
        ],
    },
    {
        "area": "User experience",
        "variants": [
            (
                "Date and number formats per user locale",
                (
                    "Our European users read 03/04 as 3 April, not March 4. Let users pick "
                    "DD/MM/YYYY and decimal commas."
                ),
            ),
            (
                "Use the user's regional settings for dates",
                "",
            ),
            (
                "Decimal comma support",
                "1.234,56 vs 1,234.56 causes real errors when our German team enters amounts.",
            ),
        ],
    },
    {
        "area": "User experience",
        "variants": [
            (
                "Per-user time zones",
                (
                    "Due dates and timestamps are shown in the tenant's time zone, which "
                    "confuses our Singapore team."
                ),
            ),
            (
                "Display times in my local time zone",
                "I'm in Sydney and everything is shown in US Pacific time.",
            ),
            (
                "Time zone setting on the user profile",
                (
                    "Approval timestamps in the audit log should show the viewer's time zone "
                    "with the offset."
                ),
            ),
        ],
    },
    {
        "area": "User experience",
        "variants": [
            (
                "Screen reader accessibility (WCAG 2.1 AA)",
                (
                    "We have visually impaired employees who submit expenses. Many buttons have "
                    "no labels for screen readers."
                ),
            ),
            (
                "Accessibility compliance",
                "",
            ),
            (
                "Keyboard navigation and ARIA labels",
                "Our public sector customers require a VPAT and WCAG AA conformance.",
            ),
            (
                "Accessible forms for screen reader users",
                "The date picker in particular is unusable without a mouse.",
            ),
        ],
    },
    {
        "area": "User experience",
        "variants": [
            (
                "Keyboard shortcuts for power users",
                "J/K to move through the approval queue, A to approve, R to reject.",
            ),
            (
                "Hotkeys",
                "",
            ),
            (
                "Keyboard shortcuts in the invoice queue",
                (
                    "Our AP team processes hundreds of invoices per day and the mouse is slowing "
                    "them down."
                ),
            ),
        ],
    },
    {
        "area": "User experience",
        "variants": [
            (
                "Global search",
                (
                    "One search box that finds invoices, vendors, expenses and users by number, "
                    "name or amount."
                ),
            ),
            (
                "Search across everything",
                "Vendors, invoices, expenses, people – one box.",
            ),
            (
                "Search by invoice number from anywhere",
                "Currently I have to go to the invoice list, clear the filters, then search.",
            ),
            (
                "Better search",
                "searching for 'INV-2024-0012' returns nothing unless i type the exact full number",
            ),
        ],
    },
    {
        "area": "User experience",
        "variants": [
            (
                "Saved views on the invoice list",
                (
                    "Let me save a filter + column combination as a named view, like 'My overdue "
                    "EMEA invoices'."
                ),
            ),
            (
                "Custom list views",
                "Saved, named views with our own columns and filters.",
            ),
            (
                "Choose and reorder columns in tables",
                "I never need the 'Created by' column but always need 'PO number'.",
            ),
        ],
    },
    {
        "area": "User experience",
        "variants": [
            (
                "Preview attachments without downloading",
                (
                    "Show PDFs and images inline next to the invoice so approvers don't need to "
                    "download each file."
                ),
            ),
            (
                "Inline document viewer",
                "Download-open-close for every PDF wastes a lot of time.",
            ),
            (
                "Side-by-side view of the receipt and the expense line",
                "Approvers would check much faster if the receipt were visible next to the data.",
            ),
        ],
    },
    {
        "area": "User experience",
        "variants": [
            (
                "Daily digest instead of individual notification emails",
                (
                    "I get 60+ emails a day from Ledgerly. One summary email each morning would "
                    "be much better."
                ),
            ),
            (
                "Email digest",
                "Once a day summary, please.",
            ),
            (
                "Batch notifications into a summary",
                (
                    "Our approvers have started filtering Ledgerly emails to a folder and then "
                    "miss urgent items."
                ),
            ),
        ],
    },
    {
        "area": "User experience",
        "variants": [
            (
                "Turn off specific notification types",
                (
                    "I don't want an email every time a comment is added, but I do want approval "
                    "requests."
                ),
            ),
            (
                "Notification preferences per event",
                "Per-event opt in/out for email, Slack and push.",
            ),
            (
                "Let users unsubscribe from some notifications",
                "All-or-nothing email settings are too blunt.",
            ),
        ],
    },
]

COMMENTS: list[str] = [
    "+1, we need this for our Q3 close.",
    "Any update on this?",
    (
        "Workaround: we export to Excel, fix it there and re-import, but it takes our team half "
        "a day every month."
    ),
    "This is the number one complaint from our approvers.",
    "Same here. We have about 400 users affected.",
    "Our auditors raised this as a finding last year, so it's becoming urgent for us.",
    "Is this on the roadmap for this year?",
    "We'd be happy to join a beta or a design session for this.",
    "+1 from the EMEA team.",
    "Just to add context: we're on NetSuite, so whatever you build should sync both ways.",
    "This would let us retire a homegrown script that breaks every time the format changes.",
    "Voting for this. Renewal conversations keep coming back to it.",
    "Would love this. Our CFO asks about it every quarter.",
    "Agree, but please make it configurable per entity – our subsidiaries have different rules.",
    "Any ETA? We're planning our rollout to another 3 business units and this is a blocker.",
    (
        "We worked around it with a no-code automation flow, but it's fragile and not something "
        "IT wants to support."
    ),
    "Please also consider the mobile app when you build this.",
    "It would already help a lot if this were available through the API.",
    "Came here to request exactly this. Glad I searched first!",
    "Our competitor evaluation flagged this as a gap vs. the other vendors.",
    "Critical for us – we're audited under SOX and need the evidence trail.",
    "We need this before our go-live in January.",
    "Same problem at our company. Happens multiple times a week.",
    "+1. Even a basic version would be fine to start with.",
    "Thanks for the update on the call last week – looking forward to the beta.",
    "This seems to overlap with the other request about exports; maybe they can be combined?",
    "We raised a support ticket for this too (case #48213).",
    "For us the important part is the audit log entry, not the UI.",
    "Hoping this lands before fiscal year end 🙏",
    "Our workaround is a shared mailbox and a lot of manual copying. Not sustainable.",
    "Please don't make this admin-only; our team leads need it too.",
    "Our security team made this a condition for expanding to more users.",
    "+1 – we spend roughly 10 hours a week on this manually.",
    "Is there a way to do this today that we're missing?",
    "Any chance this could be part of the standard plan rather than an add-on?",
    "Our users in Germany and Austria would benefit most from this.",
    "Upvoted. This would save our AP team a lot of back-and-forth with vendors.",
    "We tested the beta and it works well, but we need it for multiple entities.",
    "Happy to share our current process if that helps the product team.",
    "Following. Same need across all our APAC subsidiaries.",
]

INTERNAL_COMMENTS: list[str] = [
    "Northwind Freight mentioned this in their QBR; renewal in March depends on it.",
    "Engineering estimate: 2 sprints, blocked on the new permissions model.",
    "Kestrel Aerospace's CISO raised this directly with our VP Sales – treat as escalation.",
    "Meridian Retail Group is evaluating a competitor that has this. Churn risk flagged in CRM.",
    "Same root cause as the PDF font bug; fix the renderer first, then revisit.",
    "Ironleaf Insurance will expand by 1,200 seats if we ship this by Q2.",
    (
        "Talked to Harbor & Pine Health: HIPAA audit in May, they need at least the session "
        "timeout part."
    ),
    "Design has mocks ready for this; waiting on PM sign-off.",
    "Duplicate of the older request from Copperline – bundled them.",
    "Partner team says the NetSuite connector rewrite will cover this.",
    "Low effort, high vote count. Good candidate for the next hack week.",
    "Legal needs to review before we commit (data residency implications).",
    "Demo Corp is a reference customer; they'd present this at our user conference if we ship it.",
    "Lumenwave Telecom's SAP team offered to beta test the connector.",
    "Several small accounts ask for this, but ARR impact is limited. Parking for now.",
    "Spike done: feasible with the current webhook infrastructure, ~1 sprint.",
    "Orbital Biosciences flagged this in their security questionnaire as a must-have.",
    "Customer success: please don't promise dates on this one yet.",
    "Roadmapped for H2 under the Enterprise readiness theme.",
    (
        "Tallgrass Foods and Ashgrove Education both use the CSV workaround; collect their files "
        "for testing."
    ),
]

DECLINE_REASONS: list[str] = [
    (
        "This doesn't fit our product direction. We're focusing on finance operations and would "
        "rather integrate with specialist tools for this."
    ),
    (
        "The same outcome is already possible with saved views and scheduled exports; we've "
        "updated the help center article to explain how."
    ),
    (
        "We looked into this carefully, but it would weaken the segregation-of-duties controls "
        "many of our customers rely on for SOX compliance."
    ),
    (
        "This is covered by a broader request we're already working on, so we're closing this "
        "one in favour of it."
    ),
    (
        "The third-party system doesn't offer a supported API for this, so we can't build a "
        "reliable integration at this time."
    ),
    (
        "Very few customers have asked for this, and the cost to build and maintain it is high. "
        "We'll reconsider if demand grows."
    ),
]

THEMES: list[tuple[str, str]] = [
    (
        "Enterprise readiness",
        (
            "Give large, regulated customers the security, identity and compliance controls they "
            "need to roll Ledgerly out company-wide. This covers SSO, SCIM, granular roles, "
            "audit logs and data residency."
        ),
    ),
    (
        "Close the books faster",
        (
            "Remove the manual steps that slow down month-end close for finance teams. We focus "
            "on reconciliation, bulk operations, ERP sync and reporting that controllers can "
            "trust."
        ),
    ),
    (
        "Mobile-first approvals",
        (
            "Approvers should be able to act on any request within minutes, wherever they are. "
            "We'll invest in push notifications, mobile and chat approvals, and escalation "
            "rules."
        ),
    ),
    (
        "Open platform",
        (
            "Make Ledgerly easy to connect to the rest of the finance and IT stack. This means a "
            "complete, well-documented API, reliable webhooks and first-party connectors."
        ),
    ),
    (
        "Global expansion",
        (
            "Support multinational customers operating across currencies, tax regimes and "
            "languages. Priorities include multi-currency, e-invoicing mandates, localization "
            "and regional hosting."
        ),
    ),
]

WORDS: list[str] = (
    "export report dashboard filter salesforce sync invoice approval workflow audit log role "
    "permission bulk edit csv excel api webhook sso saml mobile offline calendar reminder email "
    "template archive search tag comment attachment chart forecast budget currency tax region "
    "language translation dark mode keyboard shortcut undo history notification slack teams"
).split()
