#!/usr/bin/env python3
"""Regenerates nut-<version>.txt: the log message formats NUT's programs pass to their log calls.

Usage: extract.py GIT_DIR TAG > nut-TAG.txt
Reads (with `git show TAG:path`) the files listed in FILES and writes one line per format:
    <program>\t<call>\t<format as in the C string, adjacent literals joined>
plus upsmon's default notify texts (call `notify`) and libupsclient's error texts (call `upscli`).
Only facts (the strings) are kept; nothing else of the source is copied.
"""
import re
import subprocess
import sys

FILES = {
    "clients/upsmon.c": "upsmon",
    "clients/upssched.c": "upssched", "clients/upsc.c": "upsc",
    "server/upsd.c": "upsd", "server/conf.c": "upsd", "server/netssl.c": "upsd",
    "server/netuser.c": "upsd", "server/sstate.c": "upsd", "server/user.c": "upsd",
    "server/netset.c": "upsd", "server/netinstcmd.c": "upsd", "server/netmisc.c": "upsd",
    "server/desc.c": "upsd",
    "drivers/upsdrvctl.c": "upsdrvctl",
    "drivers/main.c": "driver", "drivers/dstate.c": "driver",
    "drivers/usbhid-ups.c": "usbhid-ups", "drivers/libusb0.c": "driver-usb",
    "drivers/libusb1.c": "driver-usb", "drivers/nutdrv_qx.c": "nutdrv_qx",
    "drivers/blazer.c": "blazer", "drivers/blazer_usb.c": "blazer_usb",
    "drivers/blazer_ser.c": "blazer_ser", "drivers/apcsmart.c": "apcsmart",
    "drivers/snmp-ups.c": "snmp-ups", "drivers/dummy-ups.c": "dummy-ups",
    "drivers/serial.c": "driver-serial", "drivers/usb-common.c": "driver-usb",
    "common/common.c": "common", "clients/upsclient.c": "upsclient",
    "drivers/libusb.c": "driver-usb", "drivers/libhid.c": "driver-usb",
    "drivers/apc-hid.c": "usbhid-ups", "drivers/powercom.c": "powercom",
    "drivers/apcupsd-ups.c": "apcupsd-ups",
}
CALLS = r"\b(upslogx|upslog_with_errno|fatalx|fatal_with_errno|upsdebugx|upsdebug_with_errno|printf|fprintf|snprintf)"
# The calls whose text reaches the log at default settings (debug calls are not logged unless -D):
# the log calls, and what the programs print to stdout/stderr (the journal keeps it, so do docker logs).
KEEP = {"upslogx", "upslog_with_errno", "fatalx", "fatal_with_errno", "printf", "fprintf", "snprintf"}
# How many arguments come before the format.
SKIP = {"upslogx": 1, "upslog_with_errno": 1, "fatalx": 1, "fatal_with_errno": 1, "printf": 0,
        "fprintf": 1, "snprintf": 2}
STR = r'"((?:[^"\\\n]|\\.)*)"'
# A literal ending in an unfinished conversion: an odd run of `%`, then flags, width, precision.
OPEN_CONV = re.compile(r"(?<!%)(?:%%)*%[-+ #0-9.*]*$")
MACRO = re.compile(r"\bPRI[diuxX](?:MAX|SIZE|64|32)?\b|\bPRIuSIZE\b|\bPRIiSIZE\b|\bPRIxSIZE\b")


def show(git_dir, tag, path):
    r = subprocess.run(["git", "--git-dir", git_dir, "show", f"{tag}:{path}"],
                       capture_output=True, text=True, errors="replace")
    return r.stdout if r.returncode == 0 else ""


def strip_comments(src):
    src = src.replace("\\\n", " ")  # backslash line continuations between literals
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    return re.sub(r"//[^\n]*", " ", src)


def literals(args):
    """Adjacent string literals (and PRI* macros between them) at the start of `args`, joined."""
    out, pos = [], 0
    while True:
        m = re.compile(r"\s*" + STR).match(args, pos)
        if m:
            out.append(m.group(1)); pos = m.end(); continue
        m = re.compile(r"\s*(" + MACRO.pattern + r")").match(args, pos)
        if m and out:
            # A PRI* macro is the length and conversion letters of the `%` (and flags) the literal
            # before it ends with: `"PID %" PRIdMAX` prints like `%d`.
            out.append("d" if OPEN_CONV.search("".join(out)) else "%d"); pos = m.end(); continue
        break
    return "".join(out) if out else None


def main():
    git_dir, tag = sys.argv[1], sys.argv[2]
    rows = set()
    for path, prog in FILES.items():
        src = strip_comments(show(git_dir, tag, path))
        for m in re.finditer(CALLS + r"\s*\(", src):
            rest = src[m.end():m.end() + 2000]
            call = m.group(1)
            if call not in KEEP:
                # Debug calls, with their level: upsdebugx(0, …) and upsdebugx(<variable>, …) reach the
                # log at the default level, the others with -D (upsmon -D output, debug_min).
                level = rest.split(",", 1)[0].strip()
                call = f"{call}({level})"
                comma = rest.find(",")
                if comma < 0:
                    continue
                rest = rest[comma + 1:]
            # Skip the arguments before the format (level, exit code, stream, buffer and size).
            for _ in range(SKIP.get(m.group(1), 0)):
                comma = rest.find(",")
                if comma < 0:
                    break
                rest = rest[comma + 1:]
            fmt = literals(rest)
            if fmt:
                rows.add((prog, call, fmt))
    # upsmon's default notify texts: { NOTIFY_X, "NAME", NULL, "text", flags }.
    for hdr in ("clients/upsmon.h",):
        src = strip_comments(show(git_dir, tag, hdr))
        for m in re.finditer(r'\{\s*NOTIFY_\w+\s*,\s*"(\w+)"\s*,\s*NULL\s*,\s*' + STR, src):
            rows.add(("upsmon", "notify:" + m.group(1), m.group(2)))
    # libupsclient's error texts (upscli_strerror), in table order.
    src = strip_comments(show(git_dir, tag, "clients/upsclient.c"))
    m = re.search(r"upscli_errlist\[\]\s*=\s*\{(.*?)\};", src, flags=re.S)
    if m:
        for e in re.finditer(r"\{\s*\d+\s*,\s*" + STR, m.group(1)):
            rows.add(("upsclient", "upscli", e.group(1)))
    # Debian's systemd units (NUT ships them): systemd names a unit by its Description in its own lines.
    units = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "--name-only", tag, "scripts/systemd/"],
                           capture_output=True, text=True).stdout.split()
    for path in units:
        name = path.rsplit("/", 1)[-1].removesuffix(".in")
        if not name.endswith((".service", ".target")):
            continue
        d = re.search(r"^Description=(.*)$", show(git_dir, tag, path), flags=re.M)
        if d:
            rows.add(("systemd", "unit:" + name, d.group(1)))
    commit = subprocess.run(["git", "--git-dir", git_dir, "rev-list", "-n1", tag],
                            capture_output=True, text=True).stdout.strip()
    print(f"# NUT {tag} ({commit}): log message formats, generated by extract.py; do not edit.")
    print("# program\tcall\tformat")
    for prog, call, fmt in sorted(rows):
        print(f"{prog}\t{call}\t{fmt}")


if __name__ == "__main__":
    main()
