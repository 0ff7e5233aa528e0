"""The programs' FastCGI pools of the site under test, as /proc shows them.

tools/stack.sh starts one pool per program: VAR/run/pool-PROGRAM.pid holds
the pid of its multiwatch, whose children are the program's processes
(pool_processes of them, from VAR/site.conf).
"""
import glob
import os
import subprocess


def multiwatch_pids(var):
    """{program: multiwatch pid} from VAR/run/pool-*.pid."""
    pools = {}
    for path in glob.glob(os.path.join(var, "run", "pool-*.pid")):
        program = os.path.basename(path)[len("pool-"):-len(".pid")]
        with open(path) as f:
            pools[program] = int(f.read().strip())
    return pools


def children(pid):
    """The pids of `pid`'s children (empty when it does not run)."""
    found = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found.update(int(p) for p in f.read().split())
    except FileNotFoundError:
        pass
    return found


def program_of(pid):
    """The basename of the executable `pid` runs, or None when it is gone.
    A child multiwatch forked but has not exec'ed yet is still "multiwatch";
    one whose executable was rebuilt since it started still counts (the
    kernel's link then ends in " (deleted)")."""
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None
    return os.path.basename(exe.removesuffix(" (deleted)"))


def processes(var):
    """{program: set of pids of its processes}: the children of its
    multiwatch that run the program itself."""
    return {program: {p for p in children(mw) if program_of(p) == program}
            for program, mw in multiwatch_pids(var).items()}


def rss_kib(pid):
    """VmRSS of `pid` in KiB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def expected_processes(site):
    """pool_processes of the site's config, as tools/pool.sh reads it."""
    out = subprocess.run([os.path.join(site.root, "tools", "webconf.sh"), "setting", site.config,
                          "pool_processes", "4"], check=True, capture_output=True, text=True)
    return int(out.stdout.strip())
