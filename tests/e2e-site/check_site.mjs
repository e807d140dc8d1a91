// Open the exported static site in headless Chromium and report what a reader would see:
// console errors, failed requests, the provinces listed in view, and a screenshot.
// Usage: node check_site.mjs URL SCREENSHOT.png  → prints one JSON object.
import { chromium } from "playwright-core";

const [url, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--use-gl=swiftshader", "--enable-unsafe-swiftshader",
         "--disable-background-networking"],
});
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => errors.push(`page: ${e.message}`));
  page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() => document.querySelectorAll("#in-view li").length > 0, null, { timeout: 30000 })
    .catch((e) => errors.push(`no provinces listed: ${e.message}`));
  const provinces = await page.$$eval("#in-view li", (lis) => lis.map((li) => li.textContent));
  const note = await page.textContent("#static-note");
  // The client-side date filter must not throw.
  await page.fill("#from", "2025-01-01");
  await page.dispatchEvent("#from", "change");
  await page.waitForTimeout(500);
  if (screenshot) await page.screenshot({ path: screenshot });
  console.log(JSON.stringify({ errors, provinces, note }));
} finally {
  await browser.close();
}
