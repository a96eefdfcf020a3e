// End-to-end: the hostile corpus of tests/hostile/cases.json through the real page (Chromium
// without WebGPU, so the CPU backend): dataset files whose headers announce gigabytes, lesson
// links that say a thing twice or carry no version, a megabyte genotype, a saved-runs record of
// the wrong type. Each is answered with its message (in words, long inputs quoted by their
// start), nothing panics, and afterwards the engine still searches and the saved run made
// before is intact. A fault in the engine on the CPU backend (an uncaught error in its worker,
// as a wasm trap gives) brings a fresh engine: mid-run, the run goes on from its checkpoint;
// idle, the page searches again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { openPage, screenshot, tinySearch, waitForStatus } from './helpers.mjs';

const HOSTILE = 'tests/hostile';
const cases = JSON.parse(await readFile(`${HOSTILE}/cases.json`, 'utf8'));

const status = (page) => page.getByTestId('run-summary').getAttribute('data-status');

/** A NAS-Bench-201 search of 4 x 2 (looked up, so it takes a second), to its end. */
async function tabularSearch(page) {
  await page.getByTestId('field-dataset').selectOption('nb201-cifar10');
  await page.getByTestId('field-population').fill('4');
  await page.getByTestId('field-generations').fill('2');
  await page.waitForFunction(() => !document.querySelector('[data-testid="search"]')?.disabled, null, { timeout: 60_000 });
  await page.getByTestId('search').click();
  await waitForStatus(page, ['completed'], 60_000);
}

/** The text of every notice on the page. */
const notices = (page) => page.getByTestId('notice').evaluateAll((all) => all.map((n) => n.textContent));

test('hostile input: every case of the corpus is refused with its message, and nothing is lost', { timeout: 8 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([]);
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await tabularSearch(page);
    await page.getByTestId('saved-run').first().waitFor({ timeout: 30_000 });
    const savedBefore = await page.getByTestId('saved-run').evaluateAll((runs) => runs.map((r) => r.dataset.runId));
    assert.equal(savedBefore.length, 1, 'the run is saved');

    // Saved-runs records of the wrong type, written beside the good run.
    for (const record of cases.saved_records) {
      await page.evaluate((record) => new Promise((resolve, reject) => {
        const open = indexedDB.open('efficientnas-playground');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const transaction = open.result.transaction(record.store, 'readwrite');
          transaction.objectStore(record.store).put(record.value, record.key);
          transaction.oncomplete = () => { open.result.close(); resolve(); };
          transaction.onerror = () => reject(transaction.error);
        };
      }), record);
    }
    await page.reload();
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await page.getByTestId('notice').first().waitFor({ timeout: 30_000 });
    for (const record of cases.saved_records) {
      const said = await notices(page);
      console.log(`saved record ${record.key}: ${said.join(' | ')}`);
      assert.ok(said.some((n) => n.includes(record.says)), `the wrong record is reported: ${said}`);
    }
    assert.deepEqual(await page.getByTestId('saved-run').evaluateAll((runs) => runs.map((r) => r.dataset.runId)), savedBefore,
      'the good saved run is still listed');

    // Lesson links, each opened in the page afresh.
    const address = page.url().split('#')[0];
    for (const link of cases.links) {
      await page.goto('about:blank');
      await page.goto(address + link.fragment);
      await page.getByTestId('notice').first().waitFor({ timeout: 60_000 });
      const said = await notices(page);
      console.log(`link ${link.fragment}: ${said.join(' | ')}`);
      assert.ok(said.some((n) => n.includes(link.says)), `${link.fragment}: ${said}`);
      assert.ok(said.every((n) => !/Some\(|None\b/.test(n)), `no Rust debug text: ${said}`);
    }
    await page.goto('about:blank');
    await page.goto(address);
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });

    // A genotype of a megabyte is quoted by its start and length.
    for (const genotype of cases.genotypes) {
      const text = genotype.text.prefix + genotype.text.repeat.repeat(genotype.text.times);
      await page.locator('[data-testid="import"] summary').click();
      await page.getByTestId('import-genotype').fill(text);
      const said = await page.getByTestId('import-error').textContent();
      console.log(`genotype of ${text.length} characters: ${said}`);
      assert.ok(said.includes(genotype.says) && said.length <= genotype.at_most_chars, said);
      await page.getByTestId('import-genotype').fill('');
    }

    // Dataset files whose headers announce gigabytes: refused, the engine alive.
    await page.getByTestId('field-dataset').selectOption('files');
    for (const dataset of cases.datasets) {
      await page.getByTestId('file-format').selectOption(dataset.format);
      const files = await Promise.all(dataset.files.map(async (name) => ({
        name, mimeType: 'application/octet-stream', buffer: await readFile(`${HOSTILE}/${name}`),
      })));
      await page.getByTestId('dataset-files').setInputFiles(files);
      await page.waitForFunction((expected) => {
        const line = document.querySelector('[data-testid="files-status"]');
        return line?.dataset.state === 'refused' && line.textContent.includes(expected);
      }, dataset.says, { timeout: 30_000 });
      console.log(`dataset ${dataset.files.join(' + ')}: ${await page.getByTestId('files-status').textContent()}`);
    }
    await screenshot(page, 'hostile-files');

    // The engine still searches; the saved run made first is intact and opens.
    await tabularSearch(page);
    assert.equal(await status(page), 'completed');
    const first = page.locator(`[data-testid="saved-run"][data-run-id="${savedBefore[0]}"]`);
    await first.getByTestId('saved-open').click();
    await waitForStatus(page, ['completed'], 30_000);
    assert.equal(Number(await page.getByTestId('run-summary').getAttribute('data-candidates')), 8, 'the first run opens whole');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('a fault in the engine on the CPU mid-run brings a fresh engine, and the run goes on from its checkpoint', { timeout: 6 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([]);
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await tinySearch(page, { population: 3, generations: 3, references: false, seed: 5 });
    await page.getByTestId('search').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="run-summary"]')?.dataset.candidates) >= 2,
      null, { timeout: 120_000, polling: 50 });
    // An uncaught error in the worker: what a wasm trap (an allocation that fails, say) looks like to the page.
    const [worker] = page.workers();
    await worker.evaluate(() => { setTimeout(() => { throw new Error('injected fault (test)'); }, 0); });
    await page.getByTestId('notice').first().waitFor({ timeout: 30_000 });
    const said = await notices(page);
    console.log(`after the fault: ${said.join(' | ')}`);
    assert.ok(said.some((n) => n.includes('injected fault (test)') && n.includes('A fresh engine continues the run from its last checkpoint')), `${said}`);
    await waitForStatus(page, ['completed', 'failed'], 3 * 60_000);
    assert.equal(await status(page), 'completed', 'the run finished on the fresh engine');
    assert.equal(Number(await page.getByTestId('run-summary').getAttribute('data-candidates')), 9, 'every candidate once');
    // Idle, a second fault also brings a fresh engine, which searches.
    const [fresh] = page.workers().filter((w) => w !== worker);
    await (fresh ?? page.workers()[0]).evaluate(() => { setTimeout(() => { throw new Error('second fault (test)'); }, 0); });
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="notice"]')].some((n) => n.textContent.includes('second fault (test)')),
      null, { timeout: 30_000 });
    await tabularSearch(page);
    // The injected faults reach Playwright as page errors; nothing else may.
    assert.deepEqual(problems.filter((p) => !p.endsWith('fault (test)')), []);
  } finally {
    await close();
  }
});
