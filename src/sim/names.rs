//! The constant vocabularies the generator draws from. Changing any list changes every seed's
//! data, so append to them only with care (tests pin nothing beyond the curated specials).

/// Company names and their e-mail domains; companies past the list get numbered names.
pub const COMPANIES: &[(&str, &str)] = &[
    ("Acme Corporation", "acme.example"),
    ("Globex Ltd", "globex.example"),
    ("Initech", "initech.example"),
    ("Umbrella Analytics", "umbrella.example"),
    ("Søderberg & Søn AB", "soderberg.example"),
];

/// Departments every company has, with the key roles of the succession plan and the everyday
/// positions of each. "Marketing" is deliberately absent: the document's invite example uses
/// it as the department that does not exist.
pub const DEPARTMENTS: &[(&str, &[&str], &[&str])] = &[
    (
        "Engineering",
        &[
            "VP of Engineering",
            "Engineering Manager",
            "Staff Engineer",
            "Senior Engineer",
        ],
        &[
            "Software Engineer",
            "Senior Software Engineer",
            "QA Engineer",
            "DevOps Engineer",
            "Data Engineer",
        ],
    ),
    (
        "Research & Development",
        &["Director of R&D", "Principal Scientist", "Research Lead"],
        &["Research Scientist", "Lab Technician", "R&D Engineer"],
    ),
    (
        "Sales",
        &["VP of Sales", "Regional Sales Director", "Sales Team Lead"],
        &[
            "Account Executive",
            "Sales Development Rep",
            "Key Account Manager",
        ],
    ),
    (
        "Customer Success",
        &["Head of Customer Success", "Support Team Lead"],
        &["Customer Success Manager", "Support Specialist"],
    ),
    (
        "Finance",
        &["Chief Financial Officer", "Finance Controller", "FP&A Lead"],
        &["Financial Analyst", "Accountant", "Payroll Specialist"],
    ),
    (
        "People & Culture",
        &["Chief People Officer", "HR Business Partner Lead"],
        &["HR Generalist", "Recruiter", "L&D Specialist"],
    ),
    (
        "Operations",
        &["Chief Operating Officer", "Operations Manager"],
        &[
            "Operations Analyst",
            "Logistics Coordinator",
            "Facilities Officer",
        ],
    ),
    (
        "Legal",
        &["General Counsel"],
        &["Legal Counsel", "Paralegal", "Compliance Officer"],
    ),
];

/// Given names as (display, ASCII for e-mail).
pub const FIRST: &[(&str, &str)] = &[
    ("John", "john"),
    ("Jane", "jane"),
    ("Amir", "amir"),
    ("Chloé", "chloe"),
    ("Søren", "soren"),
    ("Zoë", "zoe"),
    ("Łukasz", "lukasz"),
    ("Aoife", "aoife"),
    ("Priya", "priya"),
    ("Mateo", "mateo"),
    ("Fatima", "fatima"),
    ("Björn", "bjorn"),
    ("Olga", "olga"),
    ("Kwame", "kwame"),
    ("Mei", "mei"),
    ("Hannah", "hannah"),
    ("Renée", "renee"),
    ("Jürgen", "jurgen"),
    ("Ana", "ana"),
    ("Noah", "noah"),
    ("Siobhán", "siobhan"),
    ("Tomás", "tomas"),
    ("Emily", "emily"),
    ("Ngozi", "ngozi"),
    ("Ravi", "ravi"),
    ("Elif", "elif"),
    ("Dmitri", "dmitri"),
    ("Lucía", "lucia"),
    ("Oliver", "oliver"),
    ("Yuki", "yuki"),
];

/// Family names as (display, ASCII for e-mail).
pub const LAST: &[(&str, &str)] = &[
    ("Doe", "doe"),
    ("Smith", "smith"),
    ("Müller", "muller"),
    ("García", "garcia"),
    ("Ødegaard", "odegaard"),
    ("O'Brien", "obrien"),
    ("Nguyễn", "nguyen"),
    ("Kowalski", "kowalski"),
    ("Patel", "patel"),
    ("Okafor", "okafor"),
    ("Johansson", "johansson"),
    ("Rossi", "rossi"),
    ("Dubois", "dubois"),
    ("Yılmaz", "yilmaz"),
    ("Ivanova", "ivanova"),
    ("Tanaka", "tanaka"),
    ("Mensah", "mensah"),
    ("Fernández", "fernandez"),
    ("Walsh", "walsh"),
    ("van der Berg", "vanderberg"),
    ("Nakamura", "nakamura"),
    ("Haddad", "haddad"),
    ("Brown", "brown"),
    ("Schmidt", "schmidt"),
];

/// Whole names written without the given/family split, as (display, ASCII for e-mail).
pub const WHOLE: &[(&str, &str)] = &[
    ("李雷", "li.lei"),
    ("韩梅梅", "han.meimei"),
    ("王芳", "wang.fang"),
    ("김민준", "kim.minjun"),
    ("Αλέξανδρος Παπαδόπουλος", "alexandros.papadopoulos"),
    ("Анна Кузнецова", "anna.kuznetsova"),
];

pub const SKILLS: &[&str] = &[
    "Cloud Architecture",
    "Team Leadership",
    "Strategic Planning",
    "Negotiation",
    "Data Analysis",
    "Public Speaking",
    "Budgeting",
    "Stakeholder Management",
    "Machine Learning",
    "Coaching",
    "Risk Management",
    "Product Discovery",
];

pub const COURSES: &[&str] = &[
    "AWS Solutions Architect",
    "Leading Teams",
    "Advanced Excel",
    "Negotiation Mastery",
    "Intro to Machine Learning",
    "Finance for Non-Finance Managers",
    "Effective Presentations",
    "GDPR Essentials",
];
pub const PROVIDERS: &[&str] = &["Coursera", "Udemy", "LinkedIn Learning", "Internal Academy"];
pub const TRAINING_STATUS: &[&str] = &["completed", "in_progress", "planned", "cancelled"];
pub const TASK_SOURCES: &[&str] = &["Jira", "Asana", "Trello", "Manual"];
pub const PROJECTS: &[&str] = &[
    "Migration Project",
    "Q3 Launch",
    "Customer Portal",
    "Cost Reduction",
    "Data Platform",
    "Onboarding Revamp",
];
pub const SCOPES: &[&str] = &[
    "Lead cloud migration",
    "Own the release checklist",
    "Coordinate vendor evaluation",
    "Build the KPI dashboard",
    "Mentor two new hires",
];
pub const TASK_STATUS: &[&str] = &["completed", "in_progress", "todo", "blocked"];
pub const SUPPORT_AREAS: &[&str] = &[
    "Leadership Development",
    "Technical Growth",
    "Career Planning",
    "Communication",
];
pub const MENTORSHIP_STATUS: &[&str] = &["active", "completed", "paused"];
pub const FEEDBACK: &[&str] = &[
    "Excellent course",
    "Excellent execution",
    "Great progress",
    "Needs follow-up",
    "Solid work, a few gaps",
    "Très bien — keep going",
];
pub const EDUCATION: &[&str] = &[
    "Bachelor's in Computer Science",
    "Master's in Finance",
    "MBA",
    "PhD in Chemistry",
    "Bachelor's in Économie",
    "High School Diploma",
];
pub const CERTIFICATIONS: &[&str] = &[
    "AWS Certified",
    "Scrum Master",
    "PMP",
    "CPA",
    "CIPD Level 5",
    "ISO 27001 Lead Auditor",
];
pub const GENDERS: &[&str] = &["Male", "Female", "Non-binary"];
pub const CHANNELS: &[&str] = &[
    "LinkedIn",
    "Referral",
    "Campus",
    "Agency",
    "Job Board",
    "Direct",
];
pub const STATUSES: &[&str] = &[
    "ready for promotion",
    "on track",
    "needs improvement",
    "new joiner",
    "under review",
];
pub const SENIORITY: &[&str] = &["Junior", "Mid", "Senior", "Lead", "Principal"];
pub const CITIES: &[&str] = &["Berlin", "São Paulo", "Kraków", "Austin", "Zürich", "Lagos"];
pub const PROGRESS: &[&str] = &["on_track", "ahead", "behind", "at_risk"];
pub const NOTES: &[&str] = &[
    "Shows strong leadership potential",
    "Needs exposure to budgeting",
    "Ready to act as interim",
    "Strong technically; coaching on stakeholder work",
    "Relocation would be required",
];
