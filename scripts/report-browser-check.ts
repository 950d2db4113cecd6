/**
 * Open a compliance report in headless Chromium (Debian's `chromium` package) and check it as a
 * reader would see it: the page loads, nothing is logged to the console as an error and no script
 * error is thrown (the report has no script; a Content-Security-Policy violation would be one),
 * the title and every section rendered with their tables; then keep a full-page screenshot.
 *
 *   npx tsx scripts/report-browser-check.ts <report.html> <screenshot.png>
 *
 * It speaks the Chrome DevTools Protocol over Node's built-in WebSocket, so it needs no npm
 * package; exit 0 when every check holds, 1 with the reasons otherwise.
 */
import { spawn } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { resolve } from 'path';
import { pathToFileURL } from 'url';

const [htmlFile, screenshot] = process.argv.slice(2);
if (!htmlFile || !screenshot) {
  console.error('usage: report-browser-check.ts <report.html> <screenshot.png>');
  process.exit(2);
}

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

async function main(): Promise<number> {
  const profile = mkdtempSync(`${tmpdir()}/cohortlab-chromium-`);
  const browser = spawn(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox', // CI runs as root, where Chromium's sandbox cannot start
      '--disable-gpu',
      '--no-first-run',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  try {
    const wsUrl = await new Promise<string>((ok, fail) => {
      let err = '';
      const timer = setTimeout(() => fail(new Error(`Chromium did not start:\n${err}`)), 30_000);
      browser.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
        if (m) {
          clearTimeout(timer);
          ok(m[1]);
        }
      });
      browser.on('exit', (code) => fail(new Error(`Chromium exited (${code}):\n${err}`)));
    });
    const ws = new WebSocket(wsUrl);
    await new Promise((ok) => ws.addEventListener('open', ok, { once: true }));
    let next = 0;
    const pending = new Map<number, (m: CdpMessage) => void>();
    const events: CdpMessage[] = [];
    ws.addEventListener('message', (e: MessageEvent) => {
      const msg = JSON.parse(String(e.data)) as CdpMessage;
      if (msg.id !== undefined) pending.get(msg.id)?.(msg);
      else events.push(msg);
    });
    const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
      new Promise<Record<string, unknown>>((ok, fail) => {
        const id = ++next;
        pending.set(id, (m) =>
          m.error ? fail(new Error(`${method}: ${m.error.message}`)) : ok(m.result ?? {}),
        );
        ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      });
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as {
      sessionId: string;
    };
    for (const domain of ['Page', 'Runtime', 'Log']) await send(`${domain}.enable`, {}, sessionId);
    await send(
      'Emulation.setDeviceMetricsOverride',
      { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false },
      sessionId,
    );
    await send('Page.navigate', { url: pathToFileURL(resolve(htmlFile)).href }, sessionId);
    for (let t = Date.now(); !events.some((e) => e.method === 'Page.loadEventFired');) {
      if (Date.now() - t > 30_000) throw new Error('the page did not finish loading in 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const { result } = (await send(
      'Runtime.evaluate',
      {
        expression: `JSON.stringify({ h1: document.querySelector('h1')?.textContent, sections: document.querySelectorAll('section').length, tables: document.querySelectorAll('table').length, emptySections: [...document.querySelectorAll('section')].filter((s) => !s.querySelector('table')).map((s) => s.id), height: document.documentElement.scrollHeight })`,
        returnByValue: true,
      },
      sessionId,
    )) as { result: { value: string } };
    const page = JSON.parse(result.value) as {
      h1?: string;
      sections: number;
      tables: number;
      emptySections: string[];
      height: number;
    };
    const shot = (await send(
      'Page.captureScreenshot',
      {
        format: 'png',
        captureBeyondViewport: true,
        clip: { x: 0, y: 0, width: 1280, height: Math.min(page.height, 16_000), scale: 1 },
      },
      sessionId,
    )) as { data: string };
    writeFileSync(screenshot, Buffer.from(shot.data, 'base64'));
    const errors = events.flatMap((e) => {
      const p = e.params ?? {};
      if (e.method === 'Runtime.exceptionThrown') return [`exception: ${JSON.stringify(p.exceptionDetails)}`];
      if (e.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert'))
        return [`console.${String(p.type)}: ${JSON.stringify(p.args)}`];
      const entry = p.entry as { level?: string; text?: string } | undefined;
      if (e.method === 'Log.entryAdded' && entry?.level === 'error') return [`log: ${entry.text}`];
      return [];
    });
    const problems = [
      ...errors,
      ...(page.h1?.startsWith('Compliance report: ')
        ? []
        : [`no report title (h1 is ${JSON.stringify(page.h1)})`]),
      ...(page.sections >= 9 ? [] : [`${page.sections} sections rendered, 9 expected`]),
      ...page.emptySections.map((s) => `section ${s} rendered without a table`),
    ];
    ws.close();
    console.log(
      `report in Chromium: "${page.h1}", ${page.sections} sections, ${page.tables} tables, ${page.height} px high, ` +
        `${errors.length} console error(s); screenshot ${screenshot}`,
    );
    for (const p of problems) console.error(`  PROBLEM ${p}`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    browser.kill('SIGTERM');
    await new Promise((r) => browser.once('exit', r));
    rmSync(profile, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`report-browser-check: ${(err as Error).message}`);
    process.exit(1);
  },
);
