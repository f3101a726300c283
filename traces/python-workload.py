# The process behind traces/python-snapshot.trace.gz: a CPython program that
# builds a package index in memory (dicts, lists, strings, a dependency
# graph, JSON and CSV round trips), then waits to be snapshotted.
# Usage: python3 traces/python-workload.py & zswap-sim trace snapshot --pid $! -o …
import csv, io, json, random, sys, time

random.seed(1)
words = "libc6 python3 perl zlib1g libssl3 gcc make utils data tools doc dev common base core".split()
packages = []
for i in range(40000):
    name = f"{random.choice(words)}-{random.choice(words)}{i}"
    packages.append({
        "Package": name,
        "Version": f"{random.randint(0, 9)}.{random.randint(0, 30)}-{random.randint(1, 5)}",
        "Depends": [random.choice(words) for _ in range(random.randint(0, 6))],
        "Size": random.randint(1000, 10_000_000),
        "Description": " ".join(random.choice(words) for _ in range(random.randint(5, 30))),
    })
by_name = {p["Package"]: p for p in packages}
graph = {}
for p in packages:
    for d in p["Depends"]:
        graph.setdefault(d, []).append(p["Package"])
text = json.dumps(packages)
again = json.loads(text)
buf = io.StringIO()
writer = csv.writer(buf)
for p in again:
    writer.writerow([p["Package"], p["Version"], p["Size"]])
rows = list(csv.reader(io.StringIO(buf.getvalue())))
sizes = sorted(int(r[2]) for r in rows)
print("ready", len(by_name), len(graph), sizes[len(sizes) // 2], flush=True)
sys.stdout.flush()
time.sleep(600)
