// The product's main job, on this machine: open a customer page with the built extension,
// click its toolbar icon as a user would, and print what the popup shows; save a screenshot.
//
//   node scripts/demo.mjs [--page NAME] [--browser chromium|firefox] [--keep-open]
//
// NAME is a folder of tests/pages (default: csp-strict-duplicate, a page with a strict CSP
// and the chat snippet pasted twice). With a display (DISPLAY set) and --keep-open, the browser
// stays open for you to click around until you press Ctrl-C. Every process started is ended.
import path from 'node:path';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startPagesServer, listCases } from '../tests/e2e/lib/pages-server.mjs';
import { openDriver } from '../tests/e2e/lib/driver.mjs';

const { values } = parseArgs({
  options: {
    page: { type: 'string', default: 'csp-strict-duplicate' },
    browser: { type: 'string', default: 'chromium' },
    'keep-open': { type: 'boolean', default: false },
  },
});
if (!listCases().some((c) => c.name === values.page)) {
  console.error(`No page "${values.page}". Pages: ${listCases().map((c) => c.name).join(', ')}`);
  process.exit(2);
}
const keepOpen = values['keep-open'] && Boolean(process.env.DISPLAY) && !process.env.CI;
const outDir = path.resolve(import.meta.dirname, '../build/demo');
fs.mkdirSync(outDir, { recursive: true });

const server = await startPagesServer();
const driver = await openDriver(values.browser, { headless: !keepOpen });
let exitCode = 0;
try {
  const url = `${server.origin}/${values.page}/`;
  console.log(`Customer page: ${url}  (${values.browser}, extension from build/extension)`);
  const popup = await driver.openPopupOn(url);
  const shown = await popup.waitForResult();
  const details = await popup.readFindings();
  console.log('');
  if (shown.error) {
    console.log(`The popup shows an error: ${shown.error}`);
    exitCode = 1;
  } else {
    console.log(`Headline: ${shown.headline}`);
    details.forEach((f, i) => {
      console.log(`\n${i + 1}. [${f.severity.toUpperCase()}] ${f.title}  (${f.code})`);
      console.log(`   ${f.message}`);
      for (const e of f.evidence) console.log(`   - ${e}`);
      f.fix.forEach((s, n) => console.log(`   fix ${n + 1}: ${s}`));
    });
    console.log(`\n${shown.footer}`);
  }
  const shot = path.join(outDir, `popup-${values.browser}.png`);
  await popup.screenshot(shot);
  console.log(`\nScreenshot of the popup: ${path.relative(process.cwd(), shot)}`);
  if (keepOpen) {
    console.log('The browser stays open; press Ctrl-C to end the demo.');
    await new Promise((resolve) => process.once('SIGINT', resolve));
  }
} finally {
  await driver.close();
  await server.close();
}
process.exit(exitCode);
