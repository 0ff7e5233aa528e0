// The Node.js client of test_clients.py: fetch with FormData and a Blob, as
// a build script on Node 18+ would upload a collection. Reads
// [[method, url, token, zipPath]] as JSON on stdin, prints [[status, body]].
import { readFileSync } from "node:fs";

const requests = JSON.parse(readFileSync(0, "utf8"));
const calls = [];
for (const [method, url, token, zipPath] of requests) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  let body;
  if (zipPath) {
    body = new FormData();
    body.append("collectionFile",
                new Blob([readFileSync(zipPath)], { type: "application/zip" }), "myCollection.zip");
  }
  const r = await fetch(url, { method, headers, body, redirect: "manual" });
  calls.push([r.status, await r.text()]);
}
process.stdout.write(JSON.stringify(calls));
