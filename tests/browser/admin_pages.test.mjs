// The admin pages in a real browser (Debian's Chromium, driven by
// playwright-core), against the Apache + MariaDB that tools/run-tests.sh
// started: the guide's steps as a person takes them. Screenshots go to
// test-output/screenshots/ (ignored by git).
//
// Run by `make test` as: node --test tests/browser/
// with SITE_BASE, SITE_VAR and SITE_ROOT in the environment.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { chromium } from "playwright-core";

const BASE = process.env.SITE_BASE;
const VAR = process.env.SITE_VAR;
const ROOT = process.env.SITE_ROOT;
if (!BASE || !VAR || !ROOT) throw new Error("SITE_BASE, SITE_VAR and SITE_ROOT must be set");
const SHOTS = join(ROOT, "test-output", "screenshots");
mkdirSync(SHOTS, { recursive: true });
const PASSWORD = "correct horse battery staple";
const TIMESTAMP_UTC = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/;

const tag = () => randomUUID().slice(0, 8);

function sql(query) {
  return execFileSync("mariadb", [`--defaults-file=${VAR}/db-root.cnf`, "site", "--batch",
    "--skip-column-names", "-e", query], { encoding: "utf8" }).trim();
}

function addPerson(username, access, { first = "Test", last = username, email } = {}) {
  const args = ["--config", `${VAR}/site.conf`, "add-person", "--username", username,
    "--access", access, "--first-name", first, "--last-name", last, "--password-stdin"];
  if (email) args.push("--email", email);
  execFileSync(join(ROOT, "build", "siteadmin"), args, { input: `${PASSWORD}\n` });
  return Number(sql(`SELECT id FROM people WHERE username = '${username}'`));
}

// A collection archive (built with Python's zipfile: no zip tool needed).
function collectionZip(name, files) {
  const dir = mkdtempSync(join(tmpdir(), "coll-"));
  const path = join(dir, "myCollection.zip");
  const script = `
import json, sys, zipfile
path, name, guid, files = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
res = "".join('<Resource name="%s" type="www" path="%s"/>' % (p.rsplit("/", 1)[1], p.rsplit("/", 1)[0]) for p in files)
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("collection.xml", '<Collection name="%s" guid="%s">%s</Collection>' % (name, guid, res))
    for p, content in files.items():
        z.writestr(p.rsplit("/", 1)[1], content)
`;
  execFileSync("/usr/bin/python3", ["-c", script, path, name, `{${randomUUID()}}`, JSON.stringify(files)]);
  return path;
}

async function installWithToken(token, zipPath) {
  const form = new FormData();
  form.append("collectionFile", new Blob([readFileSync(zipPath)]), "myCollection.zip");
  const r = await fetch(`${BASE}/installCollection`, {
    method: "POST", headers: { Authorization: `Bearer ${token}` }, body: form });
  return { status: r.status, body: await r.json() };
}

async function tokenInfo(token) {
  return (await fetch(`${BASE}/tokenInfo`, { headers: { Authorization: `Bearer ${token}` } })).status;
}

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});
after(async () => { await browser?.close(); });

async function newPage({ width = 1280, height = 900, clipboard = false } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  if (clipboard) await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(String(e)));
  page.on("console", (m) => {
    // Refusals the test provokes show up as failed loads; anything else is a bug.
    if (m.type() === "error" && !/status of (401|403|422)/.test(m.text())) page.errors.push(m.text());
  });
  return page;
}

async function signIn(page, username, password = PASSWORD) {
  await page.goto(`${BASE}/login`);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await page.click("button[type=submit]");
}

describe("sign-in", () => {
  it("refuses a wrong password with the generic message, then signs in", async () => {
    const name = `br${tag()}`;
    addPerson(name, "admin");
    const page = await newPage();
    await signIn(page, name, "not my password at all");
    assert.equal(await page.textContent("#signin-error"), "Incorrect username or password.");
    await page.fill("#password", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForURL(`${BASE}/people`);
    assert.match(await page.textContent(".who"), new RegExp(name));
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});

describe("People", () => {
  it("searches, pages, opens a record, shows a validation message and saves", async () => {
    const t = tag();
    const admin = `pe${t}`;
    addPerson(admin, "admin");
    for (let i = 0; i < 30; i++) addPerson(`pp${t}${String(i).padStart(2, "0")}`, "none", { first: `P${String(i).padStart(2, "0")}`, last: `Pager${t}` });
    const page = await newPage();
    await signIn(page, admin);
    await page.fill("#q", `Pager${t}`);
    await page.click("form.search button");
    assert.equal(await page.locator("table.people tbody tr").count(), 25);
    await page.screenshot({ path: join(SHOTS, "people-list.png"), fullPage: true });
    await page.click("a[rel=next]");
    assert.equal(await page.locator("table.people tbody tr").count(), 5);
    await page.click("a[rel=prev]");
    assert.equal(await page.locator("table.people tbody tr").count(), 25);
    await page.click("table.people tbody tr:first-child a");
    assert.equal(await page.inputValue("#first_name"), "P00");
    await page.fill("#email", "not-an-email");
    await page.click(".button-bar button.primary");
    assert.equal(await page.textContent("#email-error"), "Enter an email address like name@example.com.");
    assert.equal(await page.getAttribute("#email", "aria-invalid"), "true");
    await page.fill("#email", `p00.${t}@example.com`);
    await page.click(".button-bar button.primary");
    assert.equal((await page.textContent("p.notice")).trim(), "Saved.");
    assert.equal(await page.inputValue("#email"), `p00.${t}@example.com`);
    const phone = await newPage({ width: 390, height: 844 });
    await phone.context().addCookies(await page.context().cookies());
    await phone.goto(`${BASE}/people?q=Pager${t}`);
    await phone.screenshot({ path: join(SHOTS, "people-list-phone.png"), fullPage: true });
    assert.deepEqual(page.errors, []);
    await page.context().close();
    await phone.context().close();
  });
});

describe("People: tokens expiring soon", () => {
  it("marks a person whose token has less than 30 days left, and only them", async () => {
    const t = tag();
    const admin = `ex${t}`;
    addPerson(admin, "admin");
    const soonId = addPerson(`exs${t}`, "admin", { first: "Soon", last: `Expiring${t}` });
    const laterId = addPerson(`exl${t}`, "admin", { first: "Later", last: `Expiring${t}` });
    const page = await newPage();
    await signIn(page, admin);
    await page.waitForURL(`${BASE}/people`);
    // Tokens as the store keeps them (a digest and a hint): the list reads
    // only their expiry.
    for (const [id, days] of [[soonId, "12 DAY - INTERVAL 1 HOUR"], [laterId, "200 DAY"]]) {
      sql(`INSERT INTO bearer_tokens (person_id, token_digest, hint, created_at, expires_at)
           VALUES (${id}, SHA2(UUID(), 256), 'adminbt_…TEST', UTC_TIMESTAMP(),
                   UTC_TIMESTAMP() + INTERVAL ${days})`);
    }
    await page.goto(`${BASE}/people?q=Expiring${t}`);
    const soonRow = page.locator("table.people tbody tr", { hasText: "Soon" });
    const laterRow = page.locator("table.people tbody tr", { hasText: "Later" });
    assert.equal((await soonRow.locator(".badge-warning").textContent()).trim(), "token expires in 12 days");
    assert.equal(await laterRow.locator(".badge-warning").count(), 0);
    await page.screenshot({ path: join(SHOTS, "people-list-token-expiring.png"), fullPage: true });
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});

describe("the guide, step by step", () => {
  it("creates a token in the popup, copies it, closes it, and installs a collection with it", async () => {
    const t = tag();
    const name = `guide${t}`;
    const id = addPerson(name, "admin", { first: "Gwen", last: `Guide${t}` });
    const page = await newPage({ clipboard: true });
    await signIn(page, name);
    // Step 1: open the user record from People.
    await page.fill("#q", `Guide${t}`);
    await page.click("form.search button");
    await page.click(`a[href="/people/edit?id=${id}"]`);
    await page.screenshot({ path: join(SHOTS, "edit-page.png"), fullPage: true });
    assert.equal(await page.isVisible("#token-none"), true);
    assert.equal(await page.isVisible("#token-details"), false);
    // Step 2: Create Bearer Token, in the button bar at the top.
    const button = page.locator(".button-bar #create-token-button");
    assert.equal(await button.textContent(), "Create Bearer Token");
    await button.click();
    // Step 3: the popup shows the token and the date it expires.
    const dialog = page.locator("#token-dialog");
    await dialog.waitFor({ state: "visible" });
    assert.equal(await dialog.getAttribute("role"), "dialog");
    assert.equal(await dialog.getAttribute("aria-modal"), "true");
    const token = await page.inputValue("#token-value");
    assert.match(token, /^adminbt_[0-9A-Za-z]{49}$/);
    assert.match(await page.textContent("#token-expires"), TIMESTAMP_UTC);
    assert.match(await page.textContent("#token-dialog-once"), /This is the only time the full token will be shown/);
    assert.equal(await page.isVisible("#token-replaced"), false);
    // One click selects all of it; the Copy button puts it on the clipboard.
    await page.click("#token-value");
    assert.equal(await page.evaluate(() => {
      const e = document.getElementById("token-value"); return e.selectionEnd - e.selectionStart; }), token.length);
    await page.click("#token-copy");
    await page.waitForFunction(() => document.getElementById("token-copied").textContent !== "");
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
    await page.screenshot({ path: join(SHOTS, "popup.png") });
    await page.click("#token-close");
    assert.equal(await dialog.isVisible(), false);
    assert.ok(!(await page.content()).includes(token), "the token stays in the page after closing");
    assert.equal(await page.textContent("#token-state"), "Active");
    // Step 4: the tool uses it: a collection installed over HTTP is listed.
    const zip = collectionZip(`Guide Shop ${t}`, { [`guide${t}/site.css`]: "body{}" });
    const installed = await installWithToken(token, zip);
    assert.equal(installed.status, 200, JSON.stringify(installed.body));
    await page.goto(`${BASE}/collections`);
    assert.match(await page.textContent("table.collections"), new RegExp(`Guide Shop ${t}`));
    const reloaded = await page.goto(`${BASE}/people/edit?id=${id}`);
    assert.ok(!(await reloaded.text()).includes(token));
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it("a second token says it replaced the first, which is then refused; Revoke ends it", async () => {
    const name = `again${tag()}`;
    const id = addPerson(name, "admin");
    const page = await newPage();
    await signIn(page, name);
    await page.goto(`${BASE}/people/edit?id=${id}`);
    await page.click("#create-token-button");
    const first = await page.inputValue("#token-value");
    await page.click("#token-close");
    await page.click("#create-token-button");
    await page.locator("#token-dialog").waitFor({ state: "visible" });
    const second = await page.inputValue("#token-value");
    assert.notEqual(second, first);
    assert.equal(await page.isVisible("#token-replaced"), true);
    assert.match(await page.textContent("#token-replaced"), /Creating a new token replaces the previous one/);
    await page.click("#token-close");
    assert.equal(await tokenInfo(first), 401);
    assert.equal(await tokenInfo(second), 200);
    await page.reload();
    await page.click("#revoke-token-form button");
    await page.waitForURL(/revoked=1/);
    assert.equal(await page.isVisible("#token-none"), true);
    assert.equal((await page.textContent("#token-none")).trim(), "No bearer token.");
    assert.equal(await tokenInfo(second), 401);
    await page.context().close();
  });

  it("works with the keyboard alone", async () => {
    const name = `keys${tag()}`;
    const id = addPerson(name, "admin");
    const page = await newPage();
    await signIn(page, name);
    await page.goto(`${BASE}/people/edit?id=${id}`);
    let focused = "";
    for (let i = 0; i < 30 && focused !== "create-token-button"; i++) {
      await page.keyboard.press("Tab");
      focused = await page.evaluate(() => document.activeElement.id);
    }
    assert.equal(focused, "create-token-button");
    await page.keyboard.press("Enter");
    await page.locator("#token-dialog").waitFor({ state: "visible" });
    assert.equal(await page.evaluate(() => document.activeElement.id), "token-value");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.id), "token-copy");
    await page.keyboard.press("Escape");
    // The dialog's close event (which wipes the token and moves focus back)
    // is a task of its own, after the key press: wait for it, not a moment.
    await page.waitForFunction(() => document.activeElement?.id === "create-token-button",
      null, { timeout: 5000 });
    assert.equal(await page.locator("#token-dialog").isVisible(), false);
    assert.equal(await page.inputValue("#token-value"), "");
    await page.context().close();
  });

  it("shows a Content Manager no Create Bearer Token button", async () => {
    const cm = `cm${tag()}`;
    addPerson(cm, "content_manager");
    const other = addPerson(`target${tag()}`, "none");
    const page = await newPage();
    await signIn(page, cm);
    await page.goto(`${BASE}/people/edit?id=${other}`);
    assert.equal(await page.locator("#create-token-button").count(), 0);
    assert.equal(await page.locator("#revoke-token-form").count(), 0);
    assert.equal(await page.locator(".button-bar button.primary").textContent(), "Save");
    await page.context().close();
  });
});

describe("Collections page", () => {
  it("uploads with a progress bar, and shows a refused archive's reason", async () => {
    const t = tag();
    const name = `coll${t}`;
    addPerson(name, "admin");
    const page = await newPage();
    await signIn(page, name);
    await page.goto(`${BASE}/collections`);
    await page.setInputFiles("#collectionFile", collectionZip(`Browser Shop ${t}`, { [`browser${t}/a.css`]: "a{}" }));
    await page.click("#upload-button");
    await page.waitForFunction(() => /^(Installed|Not installed)/.test(document.getElementById("upload-status").textContent));
    assert.match(await page.textContent("#upload-status"), new RegExp(`Installed collection "Browser Shop ${t}"`));
    assert.equal(await page.getAttribute("#upload-progress", "value"), "100");
    await page.waitForURL(`${BASE}/collections`);
    await page.waitForSelector(`text=Browser Shop ${t}`);
    await page.screenshot({ path: join(SHOTS, "collections.png"), fullPage: true });
    const bad = join(mkdtempSync(join(tmpdir(), "bad-")), "broken.zip");
    execFileSync("/usr/bin/python3", ["-c", "import sys; open(sys.argv[1], 'wb').write(b'PK not really')", bad]);
    await page.setInputFiles("#collectionFile", bad);
    await page.click("#upload-button");
    await page.waitForFunction(() => document.getElementById("upload-status").textContent.startsWith("Not installed"));
    assert.match(await page.textContent("#upload-status"), /not a zip archive/);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});

describe("security headers", () => {
  it("are on every page", async () => {
    const name = `hdr${tag()}`;
    const id = addPerson(name, "admin");
    const page = await newPage();
    await signIn(page, name);
    for (const path of ["/login", "/people", `/people/edit?id=${id}`, "/people/new", "/collections"]) {
      const r = await page.goto(`${BASE}${path}`);
      const h = r.headers();
      assert.match(h["content-security-policy"], /frame-ancestors 'none'/, path);
      assert.doesNotMatch(h["content-security-policy"], /unsafe-inline/, path);
      assert.match(h["content-security-policy"], /script-src 'self'/, path);
      assert.equal(h["x-content-type-options"], "nosniff", path);
      assert.equal(h["referrer-policy"], "same-origin", path);
    }
    await page.context().close();
  });
});

// Finding F1 of issue 10: a collection's www page, opened by a signed-in
// Admin on the admin site's host name, read /people/edit's CSRF token and
// pressed Create Bearer Token. Served sandboxed (CSP sandbox without
// allow-same-origin), its script still runs, but as an opaque origin: it
// can read no admin page and send none of the Admin's cookies.
describe("collection pages (www)", () => {
  it("run their scripts, but read no admin page and mint no token", async () => {
    const t = tag();
    const name = `sandbox${t}`;
    const id = addPerson(name, "admin");
    const page = await newPage();
    await signIn(page, name);
    await page.waitForURL(`${BASE}/people`);
    // The Admin's own token, for the install (as a build server would).
    const edit = await (await page.context().request.get(`${BASE}/people/edit?id=${id}`)).text();
    const csrf = edit.match(/name="csrf_token" value="([0-9a-f]+)"/)[1];
    const created = await page.context().request.post(`${BASE}/createBearerToken`, {
      headers: { Accept: "application/json" }, form: { csrf_token: csrf, person_id: String(id) } });
    const { token } = await created.json();
    const before = sql(`SELECT token_digest FROM bearer_tokens WHERE person_id = ${id}`);

    const attack = `<!doctype html><title>Shop</title>
<p id="ran">no</p><p id="read">pending</p><p id="mint">pending</p>
<script>
document.getElementById("ran").textContent = "yes";
(async () => {
  let csrf = "";
  try {
    const r = await fetch("/people/edit?id=${id}", { credentials: "include" });
    const m = (await r.text()).match(/name="csrf_token" value="([0-9a-f]+)"/);
    csrf = m ? m[1] : "";
    document.getElementById("read").textContent = m ? "read the CSRF token" : "no CSRF token (" + r.status + ")";
  } catch (e) { document.getElementById("read").textContent = "blocked"; }
  try {
    const r = await fetch("/createBearerToken", { method: "POST", credentials: "include",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: "csrf_token=" + csrf + "&person_id=${id}" });
    const body = await r.text();
    document.getElementById("mint").textContent = /adminbt_/.test(body) ? "minted a token" : "refused (" + r.status + ")";
  } catch (e) { document.getElementById("mint").textContent = "blocked"; }
})();
</script>`;
    const installed = await installWithToken(token, collectionZip(`Sandbox ${t}`, { [`sandbox${t}/index.html`]: attack }));
    assert.equal(installed.status, 200, JSON.stringify(installed.body));

    const response = await page.goto(`${BASE}/sandbox${t}/index.html`);
    assert.match(response.headers()["content-security-policy"], /^sandbox allow-scripts/);
    assert.doesNotMatch(response.headers()["content-security-policy"], /allow-same-origin/);
    assert.equal(response.headers()["x-frame-options"], "SAMEORIGIN");
    await page.waitForFunction(() => !["pending"].includes(document.getElementById("mint").textContent));
    await page.screenshot({ path: join(SHOTS, "www-sandboxed.png") });
    assert.equal(await page.textContent("#ran"), "yes", "the page's own script must run");
    assert.equal(await page.textContent("#read"), "blocked");
    assert.equal(await page.textContent("#mint"), "blocked");
    // Nothing reached the token table, and the Admin's token still works.
    assert.equal(sql(`SELECT token_digest FROM bearer_tokens WHERE person_id = ${id}`), before);
    assert.equal(await tokenInfo(token), 200);
    await page.context().close();
  });
});
