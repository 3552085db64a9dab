"""Check that the manual pages and config/pam_sso.conf match the code.

The option names, their types and whether a file may set them come from
option_table in pam_sso/options.c, the defaults and bounds from
pam_sso/options.h, the exported variables from pam_sso/env_export.c, and
the entry points from pam_sso/public.c.  The pages are read from their
man/*.in sources, so the checks need no build and no PAM.
"""

import datetime
import os
import re

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULE_PAGE = os.path.join(REPO, "man", "pam_sso.8.in")
CONFIG_PAGE = os.path.join(REPO, "man", "pam_sso.conf.5.in")
EXAMPLE_CONFIG = os.path.join(REPO, "config", "pam_sso.conf")
PAM_SERVICE = os.path.join(REPO, "config", "pam.d-sshd")
SSHD_DROP_IN = os.path.join(REPO, "config", "sshd_config.d-pam_sso.conf")

# Sources whose PAM codes can reach an entry point's caller.
ENTRY_POINT_SOURCES = ["public.c", "auth.c", "session.c", "conversation.c", "env_export.c"]

# The return codes of Linux-PAM 1.5.2 (security/_pam_types.h), to tell them
# from the other PAM_ names: items, flags and message styles.
PAM_RETURN_CODES = {
    "PAM_SUCCESS", "PAM_OPEN_ERR", "PAM_SYMBOL_ERR", "PAM_SERVICE_ERR", "PAM_SYSTEM_ERR",
    "PAM_BUF_ERR", "PAM_PERM_DENIED", "PAM_AUTH_ERR", "PAM_CRED_INSUFFICIENT",
    "PAM_AUTHINFO_UNAVAIL", "PAM_USER_UNKNOWN", "PAM_MAXTRIES", "PAM_NEW_AUTHTOK_REQD",
    "PAM_ACCT_EXPIRED", "PAM_SESSION_ERR", "PAM_CRED_UNAVAIL", "PAM_CRED_EXPIRED",
    "PAM_CRED_ERR", "PAM_NO_MODULE_DATA", "PAM_CONV_ERR", "PAM_AUTHTOK_ERR",
    "PAM_AUTHTOK_RECOVERY_ERR", "PAM_AUTHTOK_LOCK_BUSY", "PAM_AUTHTOK_DISABLE_AGING",
    "PAM_TRY_AGAIN", "PAM_IGNORE", "PAM_ABORT", "PAM_AUTHTOK_EXPIRED", "PAM_MODULE_UNKNOWN",
    "PAM_BAD_ITEM", "PAM_CONV_AGAIN", "PAM_INCOMPLETE",
}

SERVICE_LINE_ONLY = "Accepted on the service line only."
SERVICE_LINE_AND_FILE = "Accepted on the service line and in the configuration file."

# man(7) macros whose arguments alternate fonts and so join without spaces.
ALTERNATING_MACROS = {"BI", "BR", "IB", "IR", "RB", "RI"}
ROFF_FONT = re.compile(r"\\f[BIRP]")
ROFF_ESCAPES = [("\\(dq", '"'), ("\\-", "-"), ("\\&", ""), ("\\:", ""), ("\\%", ""),
                ("\\c", ""), ("\\e", "\\")]


def read(path):
    with open(path, encoding="utf-8") as source:
        return source.read()


def read_module_source(name):
    return read(os.path.join(REPO, "pam_sso", name))


def strip_c_comments(text):
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def read_c_define(header, name):
    """Return the value of a #define in pam_sso/HEADER, without quotes."""
    match = re.search(rf"^#define {name}\s+(.+?)\s*$", read_module_source(header), re.M)
    assert match, f"#define {name} not found in pam_sso/{header}"
    return match.group(1).strip('"')


def parse_option_table():
    """Parse option_table in options.c into {name: (type, file_allowed)}."""
    source = strip_c_comments(read_module_source("options.c"))
    block = re.search(r"option_table\[\]\s*=\s*\{(.*?)\n\};", source, re.S)
    assert block, "option_table not found in pam_sso/options.c"
    entries = re.findall(
        r'\{\s*"([a-z_]+)",\s*(OPTION_[A-Z_]+),\s*FIELD\(\w+\),\s*(true|false)\s*\}',
        block.group(1))
    assert len(entries) == block.group(1).count("{"), "an option_table entry was not understood"
    return {name: (kind, allowed == "true") for name, kind, allowed in entries}


def find_exported_variables():
    """Return the names that the module puts into the PAM environment."""
    source = strip_c_comments(read_module_source("env_export.c"))
    names = set()
    for argument in re.findall(r"put_variable\(pamh,\s*(\"\w+\"|\w+)", source):
        names.add(argument.strip('"') if argument.startswith('"')
                  else read_c_define("env_export.h", argument))
    names.add(read_c_define("session_state.h", "SSO_STATE_VARIABLE"))
    return names


def find_entry_points():
    return set(re.findall(r"^(pam_sm_\w+)\(", read_module_source("public.c"), re.M))


def find_returned_codes():
    """Return the PAM return codes named in the code behind the entry points."""
    codes = set()
    for name in ENTRY_POINT_SOURCES:
        codes.update(re.findall(r"\bPAM_[A-Z_]+\b", strip_c_comments(read_module_source(name))))
    return codes & PAM_RETURN_CODES


def split_sections(path):
    """Split a man page source into {.SH title: [lines]}."""
    found = {}
    title = None
    for line in read(path).splitlines():
        heading = re.match(r"\.SH\s+(.*)$", line)
        if heading:
            title = heading.group(1).strip('"')
            assert title not in found, f"{path}: section {title} appears twice"
            found[title] = []
        elif title is not None and not line.startswith('.\\"'):
            found[title].append(line)
    return found


def read_tag_name(line):
    """Return the first word of a .TP tag line such as '.BI timeout= seconds'.

    A line of another form comes back whole, so that the check fails on it.
    """
    match = re.match(r'\.(?:B|BI|BR|I|IR)\s+"?([A-Za-z_][A-Za-z0-9_]*)', line)
    return match.group(1) if match else line


def find_tagged_entries(lines):
    """Return [(tag line, body lines)] of the .TP entries outside .RS blocks."""
    entries = []
    depth = 0
    body = None
    tag_follows = False
    for line in lines:
        if tag_follows:
            body = []
            entries.append((line, body))
            tag_follows = False
            continue
        if line.startswith(".RS"):
            depth += 1
        elif line.startswith(".RE"):
            depth -= 1
        if depth == 0 and line.rstrip() == ".TP":
            tag_follows = True
            body = None
            continue
        if depth == 0 and re.match(r"\.(PP|SS|SH)\b", line):
            body = None
        if body is not None:
            body.append(line)
    return entries


def split_subsections(lines):
    """Split section LINES into {.SS title: [lines]}."""
    found = {}
    title = None
    for line in lines:
        heading = re.match(r"\.SS\s+(.*)$", line)
        if heading:
            title = heading.group(1).strip('"')
            found[title] = []
        elif title is not None:
            found[title].append(line)
    return found


def render_plain_text(lines):
    """Render roff LINES as one line of plain text, fonts and requests dropped."""
    words = []
    for line in lines:
        if line.startswith("."):
            macro, _, rest = line[1:].partition(" ")
            arguments = [quoted or bare for quoted, bare in re.findall(r'"([^"]*)"|(\S+)', rest)]
            if macro in ALTERNATING_MACROS:
                words.append("".join(arguments))
            elif macro in ("B", "I"):
                words.append(" ".join(arguments))
        else:
            words.append(line)
    text = ROFF_FONT.sub("", " ".join(words))
    for escape, replacement in ROFF_ESCAPES:
        text = text.replace(escape, replacement)
    return re.sub(r"\s+", " ", text).strip()


def find_examples(path):
    """Return the lines of each .EX block under EXAMPLES, as plain text."""
    blocks = []
    block = None
    for line in split_sections(path)["EXAMPLES"]:
        if line.startswith(".EX"):
            block = []
        elif line.startswith(".EE"):
            blocks.append(block)
            block = None
        elif block is not None:
            block.append(render_plain_text([line]) if line else "")
    return blocks


def collapse_spaces(line):
    return " ".join(line.split())


def read_example_blocks(path):
    """Return the non-blank lines of each example block, spaces collapsed."""
    blocks = []
    for block in find_examples(path):
        blocks.append([collapse_spaces(line) for line in block if line])
    return blocks


def read_directives(path):
    """Return the lines of a configuration file that are not comments or blank."""
    lines = read(path).splitlines()
    return [collapse_spaces(line) for line in lines if line.strip() and not line.startswith("#")]


def read_example_config():
    """Return [(key, value, commented)] of the option lines of config/pam_sso.conf.

    Prose comments start with '# ', while an option is written as
    '#key = value' or 'key = value'.
    """
    settings = []
    for line in read(EXAMPLE_CONFIG).splitlines():
        match = re.match(r"^(#?)([a-z][a-z0-9_]*)\s*(?:=\s*(.*))?$", line)
        if match:
            settings.append((match.group(2), (match.group(3) or "").strip(), match.group(1) == "#"))
    return settings


def read_module_options():
    """Return {name: (tag line, plain body)} of pam_sso(8)'s OPTIONS entries."""
    entries = find_tagged_entries(split_sections(MODULE_PAGE)["OPTIONS"])
    names = [read_tag_name(tag) for tag, _ in entries]
    assert len(names) == len(set(names)), f"pam_sso(8) documents an option twice: {names}"
    return {read_tag_name(tag): (tag, render_plain_text(body)) for tag, body in entries}


def test_option_table_parsed():
    table = parse_option_table()

    assert "allow" in table
    assert table["config"] == ("OPTION_PATH", False)


def test_module_page_lists_every_option():
    documented = set(read_module_options())
    known = set(parse_option_table())

    assert sorted(known - documented) == [], \
        "options missing from pam_sso(8): add a .TP entry under OPTIONS in man/pam_sso.8.in"
    assert sorted(documented - known) == [], "pam_sso(8) OPTIONS lists options the parser rejects"


def test_module_page_says_where_set():
    table = parse_option_table()
    for name, (_, body) in read_module_options().items():
        expected = SERVICE_LINE_AND_FILE if table[name][1] else SERVICE_LINE_ONLY
        other = SERVICE_LINE_ONLY if table[name][1] else SERVICE_LINE_AND_FILE

        assert expected in body, f"pam_sso(8) {name}: missing '{expected}'"
        assert other not in body, f"pam_sso(8) {name}: wrongly says '{other}'"


def test_module_page_value_forms():
    table = parse_option_table()
    for name, (tag, body) in read_module_options().items():
        if table[name][0] == "OPTION_FLAG":
            assert tag == f".B {name}", f"pam_sso(8) flag {name} has tag {tag!r}"
            assert body.startswith("Flag:"), f"pam_sso(8) flag {name} does not say it is a flag"
            assert "Default: off." in body, f"pam_sso(8) flag {name} does not say it is off"
        else:
            assert tag.startswith(f".BI {name}= "), f"pam_sso(8) {name} has tag {tag!r}"
            assert "Default:" in body, f"pam_sso(8) {name} gives no default"


def test_module_page_defaults_and_bounds():
    options = read_module_options()
    timeout = options["timeout"][1]
    parallel = options["max_parallel"][1]
    value = {name: read_c_define("options.h", name) for name in (
        "SSO_TIMEOUT_MIN", "SSO_TIMEOUT_MAX", "SSO_TIMEOUT_DEFAULT", "SSO_PARALLEL_MIN",
        "SSO_PARALLEL_MAX", "SSO_PARALLEL_DEFAULT", "SSO_DEFAULT_CONFIG", "SSO_DEFAULT_STATE_DIR")}

    assert f"from {value['SSO_TIMEOUT_MIN']} to {value['SSO_TIMEOUT_MAX']}" in timeout
    assert f"Default: {value['SSO_TIMEOUT_DEFAULT']} seconds." in timeout
    assert f"from {value['SSO_PARALLEL_MIN']} to {value['SSO_PARALLEL_MAX']}" in parallel
    assert f"Default: {value['SSO_PARALLEL_DEFAULT']}." in parallel
    assert f"Default: {value['SSO_DEFAULT_CONFIG']}." in options["config"][1]
    assert f"Default: {value['SSO_DEFAULT_STATE_DIR']}." in options["state_dir"][1]


def test_config_page_lists_file_options():
    entries = find_tagged_entries(split_sections(CONFIG_PAGE)["OPTIONS"])
    documented = [read_tag_name(tag) for tag, _ in entries]
    allowed = {name for name, (_, file_allowed) in parse_option_table().items() if file_allowed}

    assert len(documented) == len(set(documented)), "pam_sso.conf(5) lists an option twice"
    assert sorted(allowed - set(documented)) == [], \
        "file options missing from pam_sso.conf(5): add a .TP entry to man/pam_sso.conf.5.in"
    assert sorted(set(documented) - allowed) == [], \
        "pam_sso.conf(5) OPTIONS lists keys that a file may not set"
    for tag, _ in entries:
        assert re.match(r'\.BI "[a-z_]+ = " ', tag), f"pam_sso.conf(5) tag {tag!r}"


def test_config_page_names_line_only_options():
    description = render_plain_text(split_sections(CONFIG_PAGE)["DESCRIPTION"])
    for name, (_, file_allowed) in parse_option_table().items():
        if not file_allowed:
            assert re.search(rf"\b{name}\b", description), \
                f"pam_sso.conf(5) does not say that {name} is for the service line only"


def test_example_config_lists_file_options():
    settings = read_example_config()
    keys = [key for key, _, _ in settings]
    allowed = {name for name, (_, file_allowed) in parse_option_table().items() if file_allowed}

    assert len(keys) == len(set(keys)), "config/pam_sso.conf lists a key twice"
    assert sorted(allowed - set(keys)) == [], \
        "file options missing from config/pam_sso.conf: add each commented out at its default"
    assert sorted(set(keys) - allowed) == [], "config/pam_sso.conf lists keys a file may not set"


def test_example_config_sets_nothing():
    active = [key for key, _, commented in read_example_config() if not commented]

    assert active == [], "config/pam_sso.conf must leave every key commented out"


def test_example_config_defaults():
    values = {key: value for key, value, _ in read_example_config()}
    table = parse_option_table()

    assert values["timeout"] == read_c_define("options.h", "SSO_TIMEOUT_DEFAULT")
    assert values["max_parallel"] == read_c_define("options.h", "SSO_PARALLEL_DEFAULT")
    assert values["state_dir"] == read_c_define("options.h", "SSO_DEFAULT_STATE_DIR")
    for name, (kind, _) in table.items():
        if kind == "OPTION_FLAG":
            assert values[name] == "no", f"config/pam_sso.conf: flag {name} is not shown as no"


@pytest.mark.parametrize("page", [MODULE_PAGE, CONFIG_PAGE], ids=["pam_sso.8", "pam_sso.conf.5"])
def test_examples_use_known_options(page):
    table = parse_option_table()
    for block in find_examples(page):
        for line in block:
            setting = re.match(r"^([a-z_]+) = ", line)
            if setting:
                assert table.get(setting.group(1), (None, False))[1], \
                    f"{os.path.basename(page)} example sets unknown file key: {line}"
            if "pam_sso.so" in line:
                for word in line.split("pam_sso.so", 1)[1].split():
                    assert word.split("=", 1)[0] in table, \
                        f"{os.path.basename(page)} example passes unknown argument: {line}"


def test_module_page_pam_example():
    blocks = read_example_blocks(MODULE_PAGE)
    service = read_directives(PAM_SERVICE)
    auth_stack = [line for line in service if line.startswith("auth ")]
    sso_sessions = [line for line in service if line.startswith("session") and "pam_sso.so" in line]

    assert auth_stack in blocks, "pam_sso(8) does not show the auth stack of config/pam.d-sshd"
    assert len(sso_sessions) == 1
    assert [sso_sessions[0]] in blocks, "pam_sso(8) does not show the pam_sso session line"


def test_module_page_sshd_example():
    blocks = read_example_blocks(MODULE_PAGE)
    directives = read_directives(SSHD_DROP_IN)

    assert directives in blocks, \
        "pam_sso(8) does not show the directives of config/sshd_config.d-pam_sso.conf"


def test_environment_lists_exports():
    entries = find_tagged_entries(split_sections(MODULE_PAGE)["ENVIRONMENT"])
    documented = [read_tag_name(tag) for tag, _ in entries]
    exported = find_exported_variables()

    assert len(documented) == len(set(documented)), "pam_sso(8) ENVIRONMENT lists a name twice"
    assert sorted(exported - set(documented)) == [], \
        "exported variables missing from pam_sso(8): add a .TP entry under ENVIRONMENT"
    assert sorted(set(documented) - exported) == [], "ENVIRONMENT lists variables never exported"


def test_environment_expiration_format():
    entries = find_tagged_entries(split_sections(MODULE_PAGE)["ENVIRONMENT"])
    body = next(render_plain_text(lines) for tag, lines in entries
                if read_tag_name(tag) == "AWS_CREDENTIAL_EXPIRATION")
    source = read_module_source("env_export.c")
    code_format = re.search(r'strftime\(buffer, size, "([^"]+)"', source)
    example = re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body)

    assert code_format, "the strftime format was not found in pam_sso/env_export.c"
    assert example, "pam_sso(8) gives no example of AWS_CREDENTIAL_EXPIRATION"
    moment = datetime.datetime.strptime(example.group(0), code_format.group(1))
    assert moment.strftime(code_format.group(1)) == example.group(0)
    assert "YYYY-MM-DDThh:mm:ssZ" in body


def test_return_values_name_entry_points():
    documented = set(split_subsections(split_sections(MODULE_PAGE)["RETURN VALUES"]))
    defined = find_entry_points()

    assert sorted(defined - documented) == [], \
        "entry points missing from pam_sso(8): add a .SS under RETURN VALUES"
    assert sorted(documented - defined) == [], "RETURN VALUES names unknown entry points"


def test_return_values_cover_codes():
    documented = set()
    for lines in split_subsections(split_sections(MODULE_PAGE)["RETURN VALUES"]).values():
        documented.update(read_tag_name(tag) for tag, _ in find_tagged_entries(lines))

    assert sorted(find_returned_codes() - documented) == [], \
        "PAM codes returned by the module but missing from RETURN VALUES"
    assert sorted(documented - PAM_RETURN_CODES) == [], "RETURN VALUES lists unknown codes"


def test_unsupported_entry_points_documented():
    parts = split_subsections(split_sections(MODULE_PAGE)["RETURN VALUES"])
    for name in ("pam_sm_acct_mgmt", "pam_sm_chauthtok"):
        codes = [read_tag_name(tag) for tag, _ in find_tagged_entries(parts[name])]

        assert codes == ["PAM_SERVICE_ERR"], f"pam_sso(8) {name}: {codes}"
