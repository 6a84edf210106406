import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Browser, Page, chromium } from 'playwright-core';
import { JobHandle, RestAddress } from '../../src';
import { HOT_CUSTOMER, startStallJob } from '../../samples/stall/stallJob';

/** Debian's chromium (.ci/run installs it with apt-get when missing). */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** build/screenshots: build/specs/web is where this file runs from. */
const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'screenshots');

describe('web/dashboard in headless Chromium', function () {
  this.timeout(60_000);
  let browser: Browser;
  let page: Page;
  let job: JobHandle;
  let address: RestAddress;

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    // The stalled orders sample, checkpointing so that the history fills.
    ({ job } = startStallJob({ rest: { port: 0 }, metrics: { intervalMs: 250 }, logging: { level: 'silent' } }, Infinity, 300));
    address = await job.rest!;
  });

  after(async () => {
    await job?.cancel().catch(() => undefined);
    await browser?.close();
  });

  it('loads, and draws the graph of the running sample with its operators by name', async () => {
    await page.goto(address.url);
    await page.waitForSelector('[data-testid=vertex] >> nth=1');
    const names = await page.locator('[data-testid=vertex] text.name').allTextContents();
    expect(names).to.deep.equal(['orders -> timestamps', 'slow-enrich -> count']);
    expect(await page.locator('[data-testid=job-status]').textContent()).to.equal('running');
  });

  it('updates the numbers as the job runs', async () => {
    const rates = page.locator('[data-testid=vertex] >> nth=1').locator('text >> nth=3');
    const first = await rates.textContent();
    // Page functions as text: the specs compile without the DOM's types.
    await page.waitForFunction(`document.querySelectorAll('[data-testid=vertex]')[1]?.querySelectorAll('text')[3]?.textContent !== ${JSON.stringify(first)}`, undefined, { timeout: 10_000 });
    expect(await rates.textContent()).to.not.equal(first);
  });

  it('names the slow operator and its hottest key in the stall diagnosis, the source in red', async () => {
    await page.waitForSelector('[data-testid=stall-root]', { timeout: 20_000 });
    await page.waitForSelector('[data-testid=hot-keys]', { timeout: 20_000 });
    expect(await page.locator('[data-testid=stall-root]').textContent()).to.include('slow-enrich -> count');
    expect(await page.locator('[data-testid=hot-keys] td >> nth=0').textContent()).to.equal(HOT_CUSTOMER);
    expect(await page.locator('[data-testid=vertex] rect >> nth=0').getAttribute('fill')).to.equal('#f7b3b3');
    await page.waitForFunction(`document.querySelectorAll('[data-testid=checkpoints] tr').length > 2`, undefined, { timeout: 10_000 });
    // Watermarks per vertex: the slow vertex's input and output watermark, as times, with its lag.
    const watermarks = await page.locator('[data-testid=watermarks] tr >> nth=2').locator('td').allTextContents();
    expect(watermarks[0]).to.equal('slow-enrich -> count');
    for (const cell of watermarks.slice(1, 3)) expect(cell).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    expect(watermarks[3]).to.match(/^[\d,]+ ms$/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-stall.png'), fullPage: true });
  });

  it('takes a savepoint on a click on savepoint', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'sluice-dashboard-')), 'savepoint');
    page.once('dialog', (dialog) => void dialog.accept(dir));
    await page.click('[data-testid=savepoint]');
    await page.waitForFunction(`document.querySelector('[data-testid=message]')?.textContent?.startsWith('Savepoint written to')`, undefined, { timeout: 20_000 });
    expect(await page.locator('[data-testid=message]').textContent()).to.equal(`Savepoint written to ${dir}`);
    expect(existsSync(path.join(dir, '_metadata'))).to.equal(true);
    // The checkpoint history shows it among the checkpoints, with its directory.
    await page.waitForSelector('[data-testid=checkpoint-savepoint]', { timeout: 10_000 });
    const row = await page.locator('[data-testid=checkpoint-savepoint] td').allTextContents();
    expect(row.slice(1, 3)).to.deep.equal([`savepoint${dir}`, 'completed']);
    expect(await page.locator('#checkpoint-counts').textContent()).to.match(/savepoints: completed 1 · failed 0$/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-savepoint.png'), fullPage: true });
    rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('shows a task failure in the exception history, and the job running again after its restart', async () => {
    job.crashTask('slow-enrich', 0, 'injected by the dashboard spec');
    await page.waitForSelector('[data-testid=exceptions] tr >> nth=1', { timeout: 20_000 });
    const row = await page.locator('[data-testid=exceptions] tr >> nth=1').locator('td').allTextContents();
    expect(row.slice(1)).to.deep.equal(['slow-enrich -> count [0]', 'Error: injected fault: injected by the dashboard spec', 'restartJob']);
    expect(row[0]).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    await page.waitForFunction(`document.getElementById('job-restarts')?.textContent === 'restarts 1' && document.querySelector('[data-testid=job-status]')?.textContent === 'running'`, undefined, { timeout: 20_000 });
    // Once the restarted tasks report again, the diagnosis names the slow operator again.
    await page.waitForSelector('[data-testid=stall-root]', { timeout: 20_000 });
    expect(await page.locator('[data-testid=stall-root]').textContent()).to.include('slow-enrich -> count');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-exceptions.png'), fullPage: true });
  });

  it('cancels the job on a click on cancel', async () => {
    await page.click('[data-testid=cancel]');
    await page.waitForFunction(`document.querySelector('[data-testid=message]')?.textContent === 'Cancelling the job…'`);
    expect((await job).status).to.equal('cancelled');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-cancelled.png'), fullPage: true });
  });
});
