/**
 * The live status page in a real browser: the server (the binary at
 * $TEST_BINARY, else the source) runs with a metrics port, headless Chromium
 * opens its page, and a bounded `simulate` run drives traffic through it.
 * The page must show the figures moving while the run goes on, draw both
 * charts, and throw nothing. A screenshot taken mid-run is written to
 * $STATUS_PAGE_SCREENSHOT when set (that is how the README's picture is made).
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { resolve } from "node:path";
import { Browser, type Page } from "./support/browser.ts";
import { HOST } from "./support/net-harness.ts";
import { runSimulate, type ServerProcess, startServer } from "./support/server-process.ts";

setDefaultTimeout(60_000);

const binary = process.env.TEST_BINARY ? resolve(import.meta.dir, "..", process.env.TEST_BINARY) : undefined;

let browser: Browser | undefined;
let server: ServerProcess | undefined;
afterEach(async () => {
  await browser?.close();
  await server?.stop("SIGKILL");
  browser = server = undefined;
});

/** The text of the element showing `stat`, as a number (thousands separators dropped). */
function reading(page: Page, stat: string): Promise<number> {
  return page.evaluate<number>(`Number(document.querySelector('[data-stat="${stat}"]').textContent.replaceAll(",", ""))`);
}

/** The highest point a chart's line reaches, as a fraction of the chart's height (0 while it is flat at zero). */
function chartHeight(page: Page, line: string): Promise<number> {
  return page.evaluate<number>(
    `Math.max(0, ...(document.getElementById("${line}").getAttribute("points") || "").split(" ").filter(Boolean).map((p) => (100 - Number(p.split(",")[1])) / 96))`,
  );
}

describe("the status page in headless Chromium", () => {
  test("shows the figures and both charts moving during a simulate run, without a script error", async () => {
    server = await startServer(binary, ["--metrics-port", "0"]);
    browser = await Browser.launch();
    const page = await browser.open(`http://${HOST}:${server.metricsPort}/`);
    await page.waitFor(`document.getElementById("live").className === "up"`, "the page to reach /stats");
    expect(await reading(page, "events.applied")).toBe(0);
    expect(await reading(page, "events.next_seq")).toBe(1);

    // About 8 s of traffic at a bounded rate, so the page sees several samples of it.
    const run = runSimulate(binary, server.eventPort, server.clientPort, [
      "--totalEvents",
      "160000",
      "--rate",
      "20000",
      "--concurrencyLevel",
      "50",
      "--logInterval",
      "0",
    ]);

    await page.waitFor(`Number(document.querySelector('[data-stat="events.applied"]').textContent.replaceAll(",", "")) > 0`, "events applied to show", 20_000);
    const first = await reading(page, "events.applied");
    const firstNotifications = await reading(page, "notifications");
    await page.waitFor(
      `Number(document.querySelector('[data-stat="events.applied"]').textContent.replaceAll(",", "")) > ${first}`,
      "a second, higher reading of events applied",
    );
    await page.waitFor(
      `Number(document.querySelector('[data-stat="notifications"]').textContent.replaceAll(",", "")) > ${firstNotifications}`,
      "a second, higher reading of notifications",
    );
    await page.waitFor(
      `document.getElementById("events-line").getAttribute("points").split(" ").filter((p) => Number(p.split(",")[1]) < 90).length >= 3`,
      "the events chart to show three samples of traffic",
      20_000,
    );
    expect(await chartHeight(page, "events-line")).toBeGreaterThan(0.1);
    expect(await chartHeight(page, "notifications-line")).toBeGreaterThan(0.1);
    expect(await reading(page, "clients.connections")).toBe(50);
    expect(await page.evaluate<string>(`document.querySelector('[data-stat="latency.p50"]').textContent`)).toMatch(/^[\d.]+ (µs|ms|s)$/);

    const png = await page.screenshot();
    expect([...png.subarray(1, 4)].map((byte) => String.fromCharCode(byte)).join("")).toBe("PNG");
    if (process.env.STATUS_PAGE_SCREENSHOT) await Bun.write(process.env.STATUS_PAGE_SCREENSHOT, png);

    const result = await run;
    expect(result.code).toBe(0);
    await page.waitFor(`document.querySelector('[data-stat="events.applied"]').textContent === "160,000"`, "the last reading to show the whole run");
    expect(page.errors).toEqual([]);
  });
});
