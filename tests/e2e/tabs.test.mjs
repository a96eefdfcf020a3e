// End-to-end: one owner per run, and storage that can fail. Two tabs of one browser profile:
// while the first tab's worker drives a run (here paused, so it holds it indefinitely), the
// second lists it as running in another tab, offers no Resume and no resume banner; once the first tab closes, the second can
// resume it, and it finishes there; the same where the second page has no Web Locks (it reads
// the first tab's word in localStorage instead). IndexedDB refusing writes mid-run (a full disk): the run
// pauses with what failed, what saved runs take and which could go; once writes work again,
// Resume saves what waited and the run is saved whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARTIFACTS, openPage, tinySearch, waitForStatus } from './helpers.mjs';

const unfinished = '[data-testid="saved-run"][data-unfinished="true"]';

for (const locks of [true, false]) {
test(`two tabs${locks ? '' : ' of a page without Web Locks'}: a run driven in one cannot be resumed in the other until the first closes`, { timeout: 6 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([]);
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await tinySearch(page, { population: 3, generations: 4, references: false, seed: 3 });
    await page.getByTestId('search').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="run-summary"]')?.dataset.candidates) >= 1,
      null, { timeout: 120_000, polling: 100 });
    await page.getByTestId('pause').click();
    await waitForStatus(page, ['paused'], 60_000);

    const second = await page.context().newPage();
    if (!locks) {
      // The second page cannot ask the locks (its worker still can): it reads what the first tab says instead.
      await second.addInitScript(() => Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined }));
    }
    const secondProblems = [];
    second.on('pageerror', (error) => secondProblems.push(`page error: ${error.message}`));
    await second.goto(page.url());
    await second.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await second.waitForFunction((row) => document.querySelector(row)?.dataset.elsewhere === 'true', unfinished, { timeout: 30_000 });
    const row = second.locator(unfinished);
    assert.match(await row.textContent(), /running in another tab/);
    assert.equal(await row.getByTestId('saved-resume').count(), 0, 'no Resume while the other tab drives it');
    assert.equal(await row.getByTestId('saved-delete').count(), 0, 'nor Delete');
    assert.equal(await second.getByTestId('resume-offer').count(), 0, 'no offer to resume it');
    await second.screenshot({ path: `${ARTIFACTS}/tabs-running-elsewhere${locks ? '' : '-no-locks'}.png`, fullPage: true });

    // The first tab goes away, and its worker's lock with it.
    await page.close();
    await second.waitForFunction((row) => document.querySelector(row)?.dataset.elsewhere === 'false', unfinished, { timeout: 30_000 });
    await second.waitForFunction(() => {
      const resume = document.querySelector('[data-testid="saved-run"][data-unfinished="true"] [data-testid="saved-resume"]');
      return resume && !resume.disabled;
    }, null, { timeout: 60_000 });
    await second.locator(unfinished).getByTestId('saved-resume').click();
    await waitForStatus(second, ['completed'], 180_000);
    assert.equal(Number(await second.getByTestId('run-summary').getAttribute('data-candidates')), 12, 'the run finished in the second tab');
    assert.deepEqual([...problems, ...secondProblems], []);
  } finally {
    await close();
  }
});
}

test('storage that refuses writes: the run pauses saying what failed and what takes space, and goes on once writes work', { timeout: 6 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([]);
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    // An older run, which the message offers to delete.
    await page.getByTestId('field-dataset').selectOption('nb201-cifar10');
    await page.getByTestId('field-population').fill('4');
    await page.getByTestId('field-generations').fill('2');
    await page.getByTestId('search').click();
    await waitForStatus(page, ['completed'], 60_000);
    await page.getByTestId('saved-run').first().waitFor({ timeout: 30_000 });
    const older = await page.getByTestId('saved-run').first().getAttribute('data-run-id');
    assert.match(await page.getByTestId('saved-run').first().textContent(), /· \d+(\.\d)? KiB/, 'each saved run says its size');

    await page.getByTestId('field-dataset').selectOption('digits');
    await tinySearch(page, { population: 3, generations: 3, references: false, seed: 4 });
    await page.getByTestId('search').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="run-summary"]')?.dataset.candidates) >= 1,
      null, { timeout: 120_000, polling: 50 });
    // From now on every IndexedDB write of the worker is refused, as a full disk refuses it.
    const [worker] = page.workers();
    await worker.evaluate(() => {
      const put = IDBObjectStore.prototype.put;
      self.__refuse = true;
      IDBObjectStore.prototype.put = function (...args) {
        if (self.__refuse) throw new DOMException('the quota has been exceeded (test)', 'QuotaExceededError');
        return put.apply(this, args);
      };
    });
    await waitForStatus(page, ['paused'], 120_000);
    const said = await page.getByTestId('notice').evaluateAll((all) => all.map((n) => n.textContent).join(' | '));
    console.log(`refused write: ${said}`);
    assert.match(said, /QuotaExceededError/);
    assert.match(said, /Saved runs take about [\d.]+ [KM]iB in this browser, this one [\d.]+ [KM]?i?B/);
    assert.ok(said.includes(older), 'the older run is named as one to delete');
    const shown = Number(await page.getByTestId('run-summary').getAttribute('data-candidates'));
    assert.ok(shown >= 1 && shown < 9, `the results so far stay on the page (${shown})`);
    await page.screenshot({ path: 'test-artifacts/e2e/storage-refused.png', fullPage: true });

    // The visitor deletes the older run (possible while paused); with space again, Resume saves
    // what waited and the run finishes; a reload finds all of it.
    await page.locator(`[data-testid="saved-run"][data-run-id="${older}"]`).getByTestId('saved-delete').click();
    await page.locator(`[data-testid="saved-run"][data-run-id="${older}"]`).waitFor({ state: 'detached', timeout: 30_000 });
    await worker.evaluate(() => { self.__refuse = false; });
    await page.getByTestId('resume').click();
    await waitForStatus(page, ['completed'], 180_000);
    await page.reload();
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    const saved = page.locator('[data-testid="saved-run"]').first();
    await saved.waitFor({ timeout: 30_000 });
    assert.match(await saved.textContent(), /9 candidates .* completed/, 'the run was saved whole once writes worked again');
    assert.notEqual(await saved.getAttribute('data-run-id'), older, 'the newest saved run is this one');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
