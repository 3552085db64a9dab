"""Check pam_sso's memory use over many logins in one process.

Both checks run pam_driver --repeat N, which runs the whole PAM step
sequence N times on fresh handles: one run samples the process's RSS from
/proc, the other runs under valgrind's memcheck.
"""

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

from pam_runner import STEPS, DriverError

RSS_SAMPLE_INTERVAL_S = 0.02

VALGRIND_ERRORS = re.compile(r"ERROR SUMMARY: ([\d,]+) errors? from ([\d,]+) contexts?")
VALGRIND_DEFINITE = re.compile(r"definitely lost: ([\d,]+) bytes in ([\d,]+) blocks?")


def read_memory_kib(pid):
    """Return (VmRSS, VmHWM) of PID in KiB, or None once the process is gone.

    VmHWM is the peak RSS since exec, unlike ru_maxrss, which keeps the
    peak of the Python process that forked the driver.
    """
    fields = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    fields[name] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        return None
    # A zombie has no memory lines.
    if len(fields) < 2:
        return None
    return fields["VmRSS"], fields["VmHWM"]


def watch_rounds(stream, progress):
    """Count the driver's finished rounds and failed steps from its output."""
    for raw in stream:
        parts = raw.decode("utf-8", "replace").split(" ", 3)
        if len(parts) < 3 or parts[0] != "STEP":
            continue
        if parts[2] != "0":
            progress["failed_steps"] += 1
        if parts[1] == STEPS[-1]:
            progress["rounds"] += 1


def check_rss_growth(driver, token_path, logins):
    """Run LOGINS logins in one driver process and sample its RSS.

    The first sample counts once a login has finished, because the first
    one sets up libcurl, OpenSSL and the PAM stack.  The last sample is the
    last one taken before the process exited.  A middle sample after a tenth
    of the logins separates the allocator's warm-up from steady growth.
    """
    progress = {"rounds": 0, "failed_steps": 0}
    timeout = 60 + logins
    first = middle = last = None
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(driver.command(token_path, repeat=logins),
                                   env=driver.environment(), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=err)
        reader = threading.Thread(target=watch_rounds, args=(process.stdout, progress),
                                  daemon=True)
        reader.start()
        deadline = time.monotonic() + timeout
        while True:
            rounds = progress["rounds"]
            memory = read_memory_kib(process.pid)
            if memory is not None and rounds >= 1:
                last = (rounds,) + memory
                if first is None:
                    first = last
                if middle is None and rounds >= logins / 10:
                    middle = last
            # wait4 in place of Popen.poll, so that nothing else reaps it.
            pid, status, _ = os.wait4(process.pid, os.WNOHANG)
            if pid == process.pid:
                process.returncode = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise DriverError(f"{logins} logins did not finish within {timeout} s")
            time.sleep(RSS_SAMPLE_INTERVAL_S)
        reader.join(timeout=5)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")

    if process.returncode != 0 or progress["failed_steps"] or progress["rounds"] != logins:
        raise DriverError(f"memory run failed: exit {process.returncode}, "
                          f"{progress['rounds']} of {logins} logins finished, "
                          f"{progress['failed_steps']} steps failed\nstderr:\n{stderr}")
    if first is None:
        raise DriverError("the driver exited before its RSS could be read")

    late_growth = last[1] - middle[1]
    late_logins = last[0] - middle[0]
    return {
        "logins": logins,
        "start_after_logins": first[0],
        "start_rss_kib": first[1],
        "middle_after_logins": middle[0],
        "middle_rss_kib": middle[1],
        "end_after_logins": last[0],
        "end_rss_kib": last[1],
        "growth_kib": last[1] - first[1],
        "late_growth_kib": late_growth,
        "late_growth_bytes_per_login": late_growth * 1024 / late_logins if late_logins else 0.0,
        "peak_rss_kib": last[2],
    }


def run_valgrind(driver, token_path, logins, log_path):
    """Run LOGINS logins in one driver process under valgrind's memcheck.

    Returns the error count and the definite leaks, or None when valgrind
    is not installed.
    """
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    command = [valgrind, "--leak-check=full", "--show-leak-kinds=definite",
               "--errors-for-leak-kinds=definite", "--num-callers=30",
               f"--log-file={log_path}"] + driver.command(token_path, repeat=logins)
    # pam_wrapper 1.1.4 then loads libpam without RTLD_DEEPBIND, as the
    # sanitizer runs need.  valgrind 3.19 reported the same without it.
    env = driver.environment({"UID_WRAPPER_DISABLE_DEEPBIND": "1"})
    timeout = 120 + 10 * logins
    done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=timeout)
    stdout = done.stdout.decode("utf-8", "replace")
    succeeded = sum(1 for line in stdout.splitlines()
                    if line.startswith(f"STEP {STEPS[-1]} 0 "))
    with open(log_path, encoding="utf-8", errors="replace") as f:
        report = f.read()

    errors = VALGRIND_ERRORS.findall(report)
    if not errors:
        raise DriverError(f"valgrind printed no error summary:\n{report[-4000:]}")
    definite = VALGRIND_DEFINITE.findall(report)
    lost_bytes, lost_blocks = definite[-1] if definite else ("0", "0")
    return {
        "logins": logins,
        "logins_succeeded": succeeded,
        "exit_code": done.returncode,
        "errors": int(errors[-1][0].replace(",", "")),
        "definitely_lost_bytes": int(lost_bytes.replace(",", "")),
        "definitely_lost_blocks": int(lost_blocks.replace(",", "")),
        "report": report,
    }


def format_memory_report(memory, valgrind, valgrind_logins, accounts, rule, latency_ms):
    lines = [
        f"memory check: {memory['logins']} logins in one pam_driver process, "
        f"{accounts} accounts, allow={rule}, latency {latency_ms} ms per response",
        f"  RSS after login {memory['start_after_logins']}: {memory['start_rss_kib']} KiB",
        f"  RSS after login {memory['middle_after_logins']}: {memory['middle_rss_kib']} KiB",
        f"  RSS after login {memory['end_after_logins']}: {memory['end_rss_kib']} KiB",
        f"  growth: {memory['growth_kib']} KiB in all, {memory['late_growth_kib']} KiB "
        f"after login {memory['middle_after_logins']} "
        f"({memory['late_growth_bytes_per_login']:.0f} bytes per login)",
        f"  peak RSS (VmHWM): {memory['peak_rss_kib']} KiB",
    ]
    if valgrind_logins == 0:
        lines.append("valgrind: not run (--valgrind-logins 0)")
    elif valgrind is None:
        lines.append("valgrind: not installed, so not run (apt-get install valgrind)")
    else:
        lines += [
            f"valgrind memcheck --leak-check=full, {valgrind['logins']} logins "
            f"({valgrind['logins_succeeded']} succeeded):",
            f"  errors: {valgrind['errors']}",
            f"  definitely lost: {valgrind['definitely_lost_bytes']} bytes in "
            f"{valgrind['definitely_lost_blocks']} blocks",
        ]
        if valgrind["errors"] or valgrind["definitely_lost_bytes"]:
            lines += ["valgrind's report:", valgrind["report"]]
    return "\n".join(lines)
