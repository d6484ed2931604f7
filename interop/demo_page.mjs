// Open the `iiotid demo` timeline page in headless Chromium (Debian's /usr/bin/chromium; playwright-core never
// downloads a browser) and report what a reader sees: visible text of each element, computed styles that matter,
// and every network request the page attempted. Input: {"url": "file:///...", "executable": "/usr/bin/chromium",
// "userDataDir": "/tmp/..."}. Output: JSON (see the end of this file).
import { chromium } from "playwright-core";

const input = JSON.parse(await new Promise((resolve) => {
  let data = "";
  process.stdin.on("data", (c) => (data += c));
  process.stdin.on("end", () => resolve(data));
}));

const context = await chromium.launchPersistentContext(input.userDataDir, {
  executablePath: input.executable,
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
  ],
  viewport: { width: 1100, height: 1400 },
});
const requests = [];
const consoleErrors = [];
try {
  const page = await context.newPage();
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(input.url, { waitUntil: "load" });
  const shown = await page.evaluate(() => {
    const visible = (el) => {
      if (!el) return false;
      const s = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      return s.display !== "none" && s.visibility !== "hidden" && Number(s.opacity) > 0 && r.width > 0 && r.height > 0;
    };
    const text = (sel, root = document) => {
      const el = root.querySelector(sel);
      return el && visible(el) ? el.innerText.trim() : null;
    };
    const badge = (sel) => {
      const el = document.querySelector(sel);
      if (!el || !visible(el)) return null;
      return { text: el.innerText.trim(), data: { ...el.dataset }, background: getComputedStyle(el).backgroundColor };
    };
    const events = [...document.querySelectorAll("#timeline > li.event")].map((li) => ({
      visible: visible(li),
      top: li.getBoundingClientRect().top,
      type: li.dataset.type,
      seq: li.dataset.seq,
      verified: li.dataset.verified,
      heading: text("h2", li),
      time: text("time", li),
      datetime: li.querySelector("time")?.getAttribute("datetime") ?? null,
      actor: text(".actor", li),
      link: text(".link", li),
      check: text(".check", li),
      status: text(".check.status", li),
      details: [...li.querySelectorAll(".detail")].filter(visible).map((d) => d.innerText.trim()),
    }));
    return {
      title: document.title,
      device: text("#device"),
      did: text("#did"),
      chain: badge("#chain-state"),
      state: badge("#device-state"),
      firmware: badge("#firmware"),
      decision: badge("#gateway-decision"),
      events,
      scripts: document.scripts.length,
      externalRefs: [...document.querySelectorAll("[src],link[href]")].map((e) => e.getAttribute("src") || e.getAttribute("href")),
    };
  });
  const screenshot = await page.screenshot({ fullPage: true });
  console.log(JSON.stringify({ ...shown, requests, consoleErrors, screenshotBytes: screenshot.length,
                               browser: context.browser()?.version() ?? null }));
} finally {
  await context.close();
}
