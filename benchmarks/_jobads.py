"""The labelled job-ad set of ``bench_jobad.py``: ``python benchmarks/_jobads.py`` writes
``benchmarks/data/jobads.jsonl`` (commit it; the benchmark reads the file, not this).

Three sources, named in each item's ``source`` field:

- ``esco-occupation-ad``: one ad per ESCO ICT occupation shipped in ``data/esco`` (91),
  built the way an ad is built from an occupation: its title and description, then a
  "Requirements:" bullet list naming a sample of its essential skills (5 to 8, drawn with
  :data:`SEED` and the occupation's URI, so the file is reproducible). Each sampled
  skill is written as ads write it, never as its preferred label verbatim: either one of
  its ESCO alternative labels (one no other skill has and that differs from the
  preferred label) or a light rewording of the preferred label (:func:`rewordings`:
  a case change, a leading "use"/"apply"/... dropped, the gerund, the verb's noun form
  before or after the object), the form chosen at random, in a bullet frame
  ("Experience with ...", "Ability to ..."). The labels are exactly the skills the text
  names: the sampled ones, plus any essential skill whose preferred label (or an
  alternative label of two words or more) the description itself contains. ``named``
  records each one's mention and form (``alt-label``, ``reworded``, ``description``).
  Other ESCO skills the description happens to name are not labels (it names them in
  passing; both methods are charged for them alike).
- ``esco-occupation-implied``: a diagnostic, the old construction: the description alone
  as the text and all its ~20 essential skills as the labels. A description names few
  of them: this measures inferring implied skills, which extraction does not attempt.
- ``handwritten``: 27 job ads written for this benchmark, each labelled by hand with the
  ESCO skills (preferred labels, resolved to URIs here) that the ad asks for, whether it
  writes the label as ESCO does or in its own words; the last ten in plainer words.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

OUT = HERE / "data" / "jobads.jsonl"

ADS: list[tuple[str, str, list[str]]] = [
    (
        "backend-python",
        """Senior Backend Engineer (Python)
We build the payments platform used by 2,000 merchants.
What you will do:
- Design and build services in Python and expose them to our web front end
- Model data in PostgreSQL and write efficient SQL
- Debug production issues and improve our unit tests
Requirements:
- 5+ years of Python programming
- Experience with DevOps practices and Ansible
- Good written English""",
        [
            "Python (computer programming)",
            "PostgreSQL",
            "SQL",
            "debug software",
            "perform software unit testing",
            "DevOps",
            "Ansible",
            "write English",
        ],
    ),
    (
        "frontend",
        """Frontend Developer – TypeScript
You will build accessible user interfaces for our booking product.
- Strong JavaScript and TypeScript
- CSS and responsive web programming
- Design user interfaces together with our UX designer and create prototypes of user
  experience solutions
- Agile development in a team of six
Nice to have: a JavaScript framework, search engine optimisation.""",
        [
            "JavaScript",
            "TypeScript",
            "CSS",
            "web programming",
            "design user interface",
            "create prototype of user experience solutions",
            "Agile development",
            "JavaScript Framework",
            "search engine optimisation",
        ],
    ),
    (
        "data-scientist",
        """Data Scientist
Join our analytics team to turn sensor data into forecasts.
You have:
* solid statistics and experience applying statistical analysis techniques
* data mining and machine learning experience (utilise machine learning in production)
* Python or R, and SQL
* the ability to present results to non-technical stakeholders
We offer flexible hours.""",
        [
            "statistics",
            "apply statistical analysis techniques",
            "data mining",
            "utilise machine learning",
            "Python (computer programming)",
            "R",
            "SQL",
        ],
    ),
    (
        "security-analyst",
        """Information Security Analyst
Protect our customers' data. Responsibilities:
- Identify ICT security risks and run penetration tests with our penetration testing tool
  set (Kali Linux)
- Define firewall rules and implement a firewall for new sites
- Ensure information security and apply information security policies
- Handle incidents and write incident reports
Knowledge of data protection (GDPR) and ICT encryption is expected.""",
        [
            "identify ICT security risks",
            "penetration testing tool",
            "Kali Linux",
            "define firewall rules",
            "implement a firewall",
            "ensure information security",
            "apply information security policies",
            "handle incidents",
            "create incident reports",
            "data protection",
            "ICT encryption",
        ],
    ),
    (
        "dba",
        """Database Administrator
Our DBA team keeps 300 databases healthy.
Requirements: manage databases on MySQL, PostgreSQL and SQL Server; maintain database
performance; define the database physical structure for new products; data models and
data warehouse design; Oracle Relational Database is a plus.""",
        [
            "manage database",
            "MySQL",
            "PostgreSQL",
            "SQL Server",
            "maintain database",
            "define database physical structure",
            "data models",
            "data warehouse",
            "Oracle Relational Database",
        ],
    ),
    (
        "mobile",
        """Mobile Developer (iOS and Android)
Build our consumer app with Swift and Kotlin.
- Swift programming for iOS
- Android development
- Use object-oriented programming and software design patterns
- Debug software on real devices""",
        [
            "Swift (computer programming)",
            "iOS",
            "Android (mobile operating systems)",
            "use object-oriented programming",
            "use software design patterns",
            "debug software",
        ],
    ),
    (
        "project-manager",
        """IT Project Manager
Lead delivery of our ERP roll-out across five countries.
You will:
- apply project management to a 40-person programme
- manage budgets and report to the steering committee
- lead a team of business analysts and developers
- identify customer requirements and business requirements techniques
Agile project management certification (e.g. PRINCE2 Agile) preferred; fluent English and
German.""",
        [
            "project management",
            "manage budgets",
            "lead a team",
            "identify customer requirements",
            "business requirements techniques",
            "Agile project management",
            "English",
            "German",
        ],
    ),
    (
        "bi-analyst",
        """Business Intelligence Analyst
Help the sales organisation understand its numbers. You bring business intelligence
experience, SQL, a data warehouse background and SQL Server Integration Services.
Carry out sales analysis and forecast sales over periods of time. Advanced spreadsheet
skills (use spreadsheets software).""",
        [
            "business intelligence",
            "SQL",
            "data warehouse",
            "SQL Server Integration Services",
            "carry out sales analysis",
            "forecast sales over periods of time",
            "use spreadsheets software",
        ],
    ),
    (
        "java-developer",
        """Java Developer
We are hiring a Java engineer for our logistics platform.
- Java 17, Scala is a plus
- Jenkins pipelines; Puppet for configuration
- Hadoop for batch jobs
- Define software architecture with the lead engineer
- Provide technical documentation""",
        [
            "Java (computer programming)",
            "Scala",
            "Jenkins (tools for software configuration management)",
            "Puppet (tools for software configuration management)",
            "Hadoop",
            "define software architecture",
            "provide technical documentation",
        ],
    ),
    (
        "helpdesk",
        """IT Service Desk Agent
First-line support for 1,200 colleagues. You communicate with customers by phone and
chat, handle helpdesk problems, solve technical problems and escalate when needed
(perform escalation procedure). Experience in an ITIL-based environment and customer
service. English required.""",
        [
            "communicate with customers",
            "handle helpdesk problems",
            "solve technical problems",
            "perform escalation procedure",
            "apply operations for an ITIL-based environment",
            "customer service",
            "English",
        ],
    ),
    (
        "network-engineer",
        """Network Engineer
Design computer networks for our 40 offices. ICT network routing, ICT communications
protocols, network management system tools and maintain internet protocol configuration.
Awareness of ICT network security risks. Procurement of ICT network equipment together
with purchasing.""",
        [
            "design computer network",
            "ICT network routing",
            "ICT communications protocols",
            "network management system tools",
            "maintain internet protocol configuration",
            "ICT network security risks",
            "procurement of ICT network equipment",
        ],
    ),
    (
        "cpp-embedded",
        """Embedded Software Engineer (C++)
Write firmware for industrial controllers in C++ and C#. MATLAB for signal analysis.
Debugging with ICT debugging tools, algorithms, and performing software unit testing
are daily work. Levels of software testing and plan software testing with QA.""",
        [
            "C++",
            "C#",
            "MATLAB",
            "ICT debugging tools",
            "algorithms",
            "perform software unit testing",
            "levels of software testing",
            "plan software testing",
        ],
    ),
    (
        "php-web",
        """PHP Web Developer
Agency work for small shops: PHP, MySQL, JavaScript and CSS. You talk to clients,
translate requirement concepts into visual design and keep sites fast. Search engine
optimisation knowledge is a bonus. Perl for legacy scripts.""",
        [
            "PHP",
            "MySQL",
            "JavaScript",
            "CSS",
            "translate requirement concepts into visual design",
            "search engine optimisation",
            "Perl",
        ],
    ),
    (
        "team-lead",
        """Engineering Team Lead
Lead a team of eight developers, provide mentorship and mentor individual employees,
recruit employees with HR and perform interviews. You stay hands-on with Ruby and
Python, and create software design for the core product.""",
        [
            "lead a team",
            "provide mentorship",
            "mentor individual employees",
            "recruit employees",
            "perform interviews",
            "Ruby (computer programming)",
            "Python (computer programming)",
            "create software design",
        ],
    ),
    (
        "cloud-ops",
        """Cloud Operations Engineer
Run our cloud technologies estate: DevOps, Ansible, Jenkins, LDAP for directory services
and NoSQL stores. You will establish an ICT security prevention plan with the security
team and plan future capacity requirements.""",
        [
            "cloud technologies",
            "DevOps",
            "Ansible",
            "Jenkins (tools for software configuration management)",
            "LDAP",
            "NoSQL",
            "establish an ICT security prevention plan",
            "plan future capacity requirements",
        ],
    ),
    (
        "payroll",
        """Payroll and Accounting Specialist
Manage payroll for 600 employees and manage payroll reports; use accounting systems,
check accounting records and identify accounting errors. Microsoft Access and
spreadsheets (use spreadsheets software). Good written German.""",
        [
            "manage payroll",
            "manage payroll reports",
            "use accounting systems",
            "check accounting records",
            "identify accounting errors",
            "Microsoft Access",
            "use spreadsheets software",
            "write German",
        ],
    ),
    (
        "marketing",
        """Digital Marketing Manager
Plan marketing strategy and implement marketing strategies across channels. Execute
email marketing, conduct search engine optimisation and evaluate marketing content.
Manage budgets and report to the CMO.""",
        [
            "plan marketing strategy",
            "implement marketing strategies",
            "execute email marketing",
            "conduct search engine optimisation",
            "evaluate marketing content",
            "manage budgets",
        ],
    ),
    # Ten more, written in plainer words: few of them say an ESCO label as ESCO does.
    (
        "qa-engineer",
        """QA Engineer
You will own quality for our web shop before every release.
- Write test plans and decide which tests run at which stage
- Automate our regression tests (Selenium, Playwright)
- Run tests by hand where automation does not pay off
- Report what you find clearly so that developers can fix it
- Track down the cause of bugs together with the developers""",
        [
            "plan software testing",
            "develop automated software tests",
            "execute software tests",
            "report test findings",
            "debug software",
        ],
    ),
    (
        "technical-writer",
        """Technical Writer
Our developers build great tools; you help people use them.
- Write clear user guides and help pages for our customers
- Document our database and its tables for the data team
- Keep release notes and product documentation up to date
- Excellent written English; German is a plus""",
        [
            "provide user documentation",
            "write database documentation",
            "provide technical documentation",
            "write English",
            "German",
        ],
    ),
    (
        "sysadmin",
        """Systems Administrator
Keep our 200 servers and the office network running.
- Look after our servers: patching, upgrades, health checks
- Set up the operating system on new machines
- Back up our data every night and make sure we can restore it
- Keep an eye on how the systems perform and fix slowdowns
- Run our virtual machines (VMware) and the company VPN""",
        [
            "maintain ICT server",
            "install operating system",
            "perform backups",
            "monitor system performance",
            "manage ICT virtualisation machines",
            "implement a virtual private network",
        ],
    ),
    (
        "ux-researcher",
        """UX Researcher
Find out what our users need before we build it.
- Talk to users, run research sessions and watch how they work
- Test how easy our app is to use, and put numbers on it
- Turn findings into sketches and wireframes for the website
- Work with our designers on user-centred design""",
        [
            "execute ICT user research activities",
            "measure software usability",
            "create website wireframe",
            "utilise methodologies for user centered design",
        ],
    ),
    (
        "account-manager",
        """Account Manager, Software
Grow our accounts in the Nordics.
- Sell maintenance and support contracts to existing customers
- Negotiate sales contracts and close deals
- Give product demos and pitch to decision makers
- Keep the CRM up to date (customer relationship management software, we use HubSpot)
- Produce the monthly sales reports
- Make sure customers stay happy after the sale""",
        [
            "sell software maintenance contracts",
            "negotiate sales contracts",
            "deliver a sales pitch",
            "use customer relationship management software",
            "produce sales reports",
            "guarantee customer satisfaction",
        ],
    ),
    (
        "talent-acquisition",
        """Talent Acquisition Partner
Help us hire 40 engineers this year.
- Find and hire new people for our engineering teams
- Interview candidates together with the hiring managers
- Welcome new starters and train employees in their first weeks
- Coach managers on giving feedback to their staff""",
        [
            "recruit employees",
            "perform interviews",
            "train employees",
            "coach employees",
        ],
    ),
    (
        "data-engineer",
        """Data Engineer
Move data reliably from 30 sources into our analytics platform.
- Build pipelines in Python and SQL (Airflow, Apache Spark)
- Migrate data from our old systems to the new data warehouse
- Design the database schema and keep data clean and normalised
- Keep data safe: access rules and the protection of personal data""",
        [
            "Python (computer programming)",
            "SQL",
            "migrate existing data",
            "data warehouse",
            "design database scheme",
            "normalise data",
            "data protection",
        ],
    ),
    (
        "ml-engineer",
        """Machine Learning Engineer
Put models into production for our fraud team.
- Train and ship machine-learning models (PyTorch)
- Mine large transaction data for patterns
- Statistics: you know which test to use and why
- Python, and enough C++ to read our scoring engine""",
        [
            "utilise machine learning",
            "data mining",
            "statistics",
            "Python (computer programming)",
            "C++",
        ],
    ),
    (
        "scrum-master",
        """Scrum Master
Help two product teams deliver in short cycles.
- Coach the teams in agile project management and run their ceremonies
- Plan the project schedule with the product owner and keep it realistic
- Keep stakeholders informed and manage their expectations
- Record the project's progress every sprint""",
        [
            "Agile project management",
            "develop project schedule",
            "communicate with stakeholders",
            "document project progress",
        ],
    ),
    (
        "web-developer",
        """Web Developer
Build and look after the websites of our 12 brands.
- Front end: turn designs into fast, accessible pages
- Troubleshoot the sites when something breaks
- Make our sites rank higher in search engines (SEO)
- Measure visitor behaviour with web analytics
- Protect the sites against common attacks (OWASP Top 10)""",
        [
            "implement front-end website design",
            "troubleshoot website",
            "search engine optimisation",
            "web analytics",
            "web application security threats",
        ],
    ),
]


#: Bump to draw a different sample; the committed file is built with this seed.
SEED = "jobads-v2"
#: Requirements named per occupation ad (at most; fewer when it has fewer essential skills).
SAMPLE = (5, 8)

# Light rewordings of a preferred label that starts with a verb, as ads write them.
#: Leading verbs an ad leaves out: "use spreadsheets software" -> "spreadsheets software".
DROPPED_VERBS = ("use", "apply", "utilise", "perform", "conduct", "carry out", "execute")
#: Noun forms of leading verbs: "manage budgets" -> "management of budgets" or
#: "budgets management".
NOUNS = {
    "manage": "management",
    "develop": "development",
    "design": "design",
    "implement": "implementation",
    "maintain": "maintenance",
    "analyse": "analysis",
    "create": "creation",
    "monitor": "monitoring",
    "define": "definition",
    "provide": "provision",
    "plan": "planning",
    "install": "installation",
    "interpret": "interpretation",
    "assess": "assessment",
    "test": "testing",
    "identify": "identification",
    "operate": "operation",
    "evaluate": "evaluation",
    "configure": "configuration",
    "integrate": "integration",
    "administer": "administration",
    "translate": "translation",
    "adapt": "adaptation",
    "write": "writing",
    "build": "building",
    "prepare": "preparation",
    "report": "reporting",
    "negotiate": "negotiation",
    "coordinate": "coordination",
}
#: Gerunds the simple rule (drop a final "e", add "ing") gets wrong.
GERUNDS = {"plan": "planning", "set": "setting", "run": "running", "see": "seeing"}
FRAMES_VERB = ("Ability to {m}", "You can {m}", "{M}", "Able to {m} independently")
FRAMES_NOUN = ("Experience with {m}", "Knowledge of {m}", "{M}", "Solid {m} skills")
FRAMES_GERUND = ("Experience in {m}", "{M}", "Comfortable {m}")
#: Words after which "<noun> of" reads wrong: "test for x" has no "testing of for x".
PREPOSITIONS = frozenset(
    ["for", "to", "with", "on", "in", "of", "into", "from", "at", "about", "as", "by"]
)


def _gerund(verb: str) -> str:
    if verb in GERUNDS:
        return GERUNDS[verb]
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-1] + "ing"
    return verb + "ing"


def rewordings(label: str) -> list[str]:
    """Light rewordings of an ESCO preferred label, as a job ad would write it.

    Every label: its case changed (``"Cyber Security"``). A label starting with a verb:
    the verb left out when it is one an ad drops (``"use"``, ``"apply"``, ...), its
    gerund (``"managing budgets"``), its noun form before or after the object
    (``"management of budgets"``, ``"budgets management"``)."""
    words = label.split()
    capitalised = " ".join(w[:1].upper() + w[1:] for w in words)
    out = [capitalised if capitalised != label else label.lower()]
    if len(words) < 2:
        return [o for o in out if o != label]
    verb, rest = words[0], " ".join(words[1:])
    for dropped in DROPPED_VERBS:
        if label.startswith(dropped + " ") and len(label.split()) > len(dropped.split()):
            out.append(label[len(dropped) + 1 :])
    if verb in NOUNS and words[1] not in PREPOSITIONS:
        out += [f"{NOUNS[verb]} of {rest}", f"{rest} {NOUNS[verb]}"]
    if verb in NOUNS or verb in DROPPED_VERBS:
        out.append(f"{_gerund(verb)} {rest}")
    return list(dict.fromkeys(out))


def _occupation_ad(
    occupation: Any,
    pref: dict[str, str],
    alts: dict[str, list[str]],
    verbs: frozenset[str],
) -> tuple[str, list[dict[str, str]]]:
    """The ad text of one occupation and the requirements it names (see the docstring)."""
    rng = random.Random(f"{SEED}:{occupation.uri}")
    essential = sorted(str(u) for u in occupation.essential_skill_uris)
    sampled = rng.sample(essential, min(len(essential), rng.randint(*SAMPLE)))
    named: list[dict[str, str]] = []
    lines = []
    for uri in sampled:
        options = {"alt-label": alts.get(uri, []), "reworded": rewordings(pref[uri])}
        form = rng.choice([f for f, o in options.items() if o])
        mention = rng.choice(options[form])
        first = mention.split()[0]
        if first.endswith("ing") and first.lower() in verbs | {
            _gerund(v) for v in (*NOUNS, *DROPPED_VERBS)
        }:
            frames = FRAMES_GERUND
        else:
            frames = FRAMES_VERB if first.lower() in verbs else FRAMES_NOUN
        frame = rng.choice(frames)
        lines.append("- " + frame.format(m=mention, M=mention[:1].upper() + mention[1:]))
        named.append({"uri": uri, "mention": mention, "form": form})
    text = f"{occupation.label[:1].upper()}{occupation.label[1:]}\n{occupation.description}"
    text += "\nRequirements:\n" + "\n".join(lines)
    return text, named


def _named_verbatim(text: str, uris: list[str], labels: dict[str, list[str]]) -> list[str]:
    """The skills of ``uris`` whose preferred label, or an alternative label of two words
    or more, ``text`` contains (case aside, on word boundaries)."""
    found = []
    for uri in uris:
        for label in labels.get(uri, []):
            if re.search(rf"(?<!\w){re.escape(label)}(?!\w)", text, re.IGNORECASE):
                found.append(uri)
                break
    return found


def build() -> list[dict[str, object]]:
    import pandas as pd

    from skills.taxonomy import read_esco
    from skills.taxonomy._normalise import match_key

    esco = read_esco()
    skills: pd.DataFrame = esco["skills"]
    alt: pd.DataFrame = esco["alt_labels"]
    pref = dict(zip(skills["uri"].astype(str), skills["label"].astype(str), strict=True))
    by_label: dict[str, list[str]] = {}
    for uri, label in pref.items():
        by_label.setdefault(label, []).append(uri)
    # Alternative labels that name one skill only and differ from its preferred label.
    owners: dict[str, set[str]] = {}
    for uri, label in [*pref.items(), *zip(alt["uri"], alt["label"], strict=True)]:
        owners.setdefault(match_key(str(label)), set()).add(str(uri))
    alts: dict[str, list[str]] = {}
    verbatim: dict[str, list[str]] = {u: [label] for u, label in pref.items()}
    for uri, label in zip(alt["uri"].astype(str), alt["label"].astype(str), strict=True):
        key = match_key(label)
        if len(owners[key]) == 1 and key != match_key(pref[uri]) and "," not in label:
            alts.setdefault(uri, []).append(label)
            if len(label.split()) >= 2:
                verbatim[uri].append(label)
    # A mention starts with a verb when its first word (as written) starts skills'
    # preferred labels and no knowledge label: "manage", not "ICT" or "software".
    first_words = {
        p: {str(x).split()[0] for x in skills[skills["pillar"] == p]["label"]} for p in "SK"
    }
    verbs = frozenset(first_words["S"] - first_words["K"]) | set(NOUNS) | set(DROPPED_VERBS)
    items: list[dict[str, object]] = []
    for row in esco["occupations"].itertuples():
        essential = sorted(str(u) for u in row.essential_skill_uris)
        oid = str(row.uri).rsplit("/", 1)[-1]
        text, named = _occupation_ad(row, pref, alts, verbs)
        in_description = _named_verbatim(str(row.description), essential, verbatim)
        for uri in in_description:
            if all(n["uri"] != uri for n in named):
                named.append({"uri": uri, "mention": "", "form": "description"})
        items.append(
            {
                "id": oid,
                "source": "esco-occupation-ad",
                "title": str(row.label),
                "text": text,
                "skills": sorted({n["uri"] for n in named}),
                "named": named,
            }
        )
        items.append(
            {
                "id": oid + "-implied",
                "source": "esco-occupation-implied",
                "title": str(row.label),
                "text": str(row.description),
                "skills": essential,
            }
        )
    for ad_id, text, labels in ADS:
        uris = []
        for label in labels:
            found = by_label.get(label)
            if not found or len(found) != 1:
                raise SystemExit(f"{ad_id}: no single ESCO skill labelled {label!r}")
            uris.append(found[0])
        items.append(
            {
                "id": ad_id,
                "source": "handwritten",
                "title": text.split("\n", 1)[0],
                "text": text,
                "skills": sorted(set(uris)),
            }
        )
    return items


if __name__ == "__main__":
    rows = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    print(f"wrote {len(rows)} items to {OUT}")
