// End-to-end: real searches in the built page (dist/) in Debian's headless Chromium.
// 1. On WebGPU (SwiftShader): a tiny search on the built-in digits trains its candidates in the
//    worker and the Pareto plot shows every one; a candidate opens with its architecture, and its
//    network, read back from WebGPU, downloads as ONNX that onnxruntime runs.
// 2. On the CPU backend: Pause holds the run, Step completes one generation and pauses again,
//    Resume finishes it; every candidate is plotted and listed, the three reference
//    architectures are drawn as labelled markers; results export as CSV and JSON, a genotype as
//    JSON and text, the trained weights as a Burn record, a reference's network as ONNX; the
//    exported genotype imports back, trains alone and downloads as ONNX, which passes
//    onnx.checker and onnxruntime (tests/onnx/check.py) and classifies the digits as the page said.
// 3. NAS-Bench-201 tabular mode: a 500-evaluation search finishes and plots every evaluation;
//    every strategy runs, and each evaluates the cells `cli search` evaluates for the same seed.
// 4. Lesson links: a link made on the page restores its settings and hides and locks what the
//    instructor chose; a garbled link shows its problem and leaves the defaults.
// 5. Saved runs: a reload mid-run offers to resume the run from IndexedDB; it finishes with the
//    earlier candidates kept, and reopens read-only after another reload.
//    A checkpoint corrupted in IndexedDB is refused with what is wrong; other saved runs still open.
//    A run made by `cli search` (its --out file) opens read-only.
// 6. Your own files: a garbled CIFAR-10 file is refused with its problem; a valid one loads and a
//    search trains on it, with latency measured on this device as its objective.
// 7. The default search with a one-minute time budget: sized to it from the CPU's timing, it
//    ends when the time is up (before its last generation) and plots a front.
//    A phone-sized screen: the page stacks, nothing is wider than the screen, a search runs.
// 8. WebGPU lost mid-run (every GPU read-back fails): the engine restarts on the CPU and the run
//    continues from its checkpoint, keeping what WebGPU scored.
// Main-thread long tasks (PerformanceObserver) are recorded while searches run and printed; none
// may exceed the sanity bound LONG_TASK_LIMIT_MS (250 ms). Their figures, and the tabular run's
// time, are the browser benchmark's to report. Screenshots land in test-artifacts/e2e/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import {
  ARTIFACTS, WEBGPU, openPage, screenshot, assertResponsive, tinySearch, waitForStatus, summary, status, count, pointsMatchCandidates, rowTexts,
} from './helpers.mjs';

// Where candidate `id` is drawn, in page pixels: points are circles in one path per colour, so
// the test reads the path (each circle starts `M{x - 5},{y}`) and maps the plot's units to the page.
async function pointAt(page, id) {
  await page.getByTestId('pareto-plot').scrollIntoViewIfNeeded();
  const at = await page.evaluate((id) => {
    const svg = document.querySelector('[data-testid="pareto-plot"]');
    for (const layer of svg.querySelectorAll('[data-testid="points"]')) {
      const k = layer.dataset.candidates.split(' ').map(Number).indexOf(id);
      if (k < 0) continue;
      const [x, y] = [...layer.getAttribute('d').matchAll(/M(-?[\d.]+),(-?[\d.]+)/g)][k].slice(1).map(Number);
      const box = svg.viewBox.baseVal;
      const rect = svg.getBoundingClientRect();
      const scale = Math.min(rect.width / box.width, rect.height / box.height);
      return {
        x: rect.left + (rect.width - box.width * scale) / 2 + (x + 5) * scale,
        y: rect.top + (rect.height - box.height * scale) / 2 + y * scale,
      };
    }
    return null;
  }, id);
  assert.ok(at, `candidate ${id} is drawn`);
  return at;
}

/** Clicks candidate `id`'s point and checks that the plot opened that one. */
async function clickPoint(page, id) {
  const { x, y } = await pointAt(page, id);
  await page.mouse.click(x, y);
  await page.getByTestId('candidate-detail').waitFor();
  assert.equal(await page.getByTestId('selected-point').getAttribute('data-candidate'), String(id), 'the point clicked is opened');
}

test('WebGPU: a tiny search on the built-in digits trains in the worker and plots every candidate', { timeout: 9 * 60_000 }, async () => {
  const { page, problems, close } = await openPage(WEBGPU, '', undefined, 'webgpu');
  try {
    await page.locator('[data-backend="webgpu"]').waitFor({ timeout: 120_000 });
    // SwiftShader compiles every new kernel on the CPU: the reference networks are left out here.
    await tinySearch(page, { population: 2, generations: 1, references: false });
    const search = page.getByTestId('search');
    assert.equal(await search.isEnabled(), true, 'Search is enabled once the form checks');
    await page.evaluate(() => { window.__longTasks = []; });
    await search.click();
    await page.getByTestId('training-progress').waitFor({ timeout: 240_000 });
    await screenshot(page, 'search-webgpu-training');
    await waitForStatus(page, ['completed'], 7 * 60_000);
    assert.equal(await pointsMatchCandidates(page), 2);
    const hover = await pointAt(page, 1);
    await page.mouse.move(hover.x, hover.y);
    assert.match(await page.getByTestId('hover-label').textContent(), /^#1 \(generation 0\)/, 'hovering a point names it');
    await clickPoint(page, 0);
    assert.ok(await page.getByTestId('arch-layer').count() >= 4, 'the architecture is drawn layer by layer');
    const metrics = await page.getByTestId('candidate-metrics').textContent();
    assert.match(metrics, /measured latency \(this device\)\d/, 'latency was measured in the browser');
    // Its network read back from WebGPU as ONNX passes onnx.checker and onnxruntime.
    const [onnx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-onnx').click()]);
    const checked = execFileSync('.venv-onnx/bin/python', ['tests/onnx/check.py', '--model', await onnx.path()], { encoding: 'utf8' });
    console.log(checked.trim());
    assert.match(checked, /1 passed, 0 failed/);
    await screenshot(page, 'search-webgpu-finished');
    await assertResponsive(page, 'WebGPU search');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('CPU: Pause holds the run, Step completes one generation, Resume finishes it', { timeout: 6 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([]);
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await tinySearch(page, { population: 3, generations: 3 });
    await page.evaluate(() => { window.__longTasks = []; });
    await page.getByTestId('search').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="run-summary"]')?.dataset.candidates) >= 1,
      null, { timeout: 120_000 });
    await page.getByTestId('pause').click();
    await waitForStatus(page, ['paused'], 60_000);
    const held = await count(page, 'candidates');
    await page.waitForTimeout(1500);
    assert.equal(await count(page, 'candidates'), held, 'nothing is scored while paused');
    assert.ok(held < 9, `paused before the end (${held} scored)`);
    const generations = await count(page, 'generations');
    await screenshot(page, 'search-paused');
    await page.getByTestId('step').click();
    await page.waitForFunction((before) => {
      const s = document.querySelector('[data-testid="run-summary"]')?.dataset;
      return s && s.status === 'paused' && Number(s.generations) === before + 1;
    }, generations, { timeout: 120_000, polling: 100 });
    assert.equal(await count(page, 'candidates'), 3 * (generations + 1), 'Step stops at the end of a generation');
    await page.getByTestId('resume').click();
    await waitForStatus(page, ['completed'], 180_000);
    assert.equal(await pointsMatchCandidates(page), 9);
    const references = await page.getByTestId('reference-point').evaluateAll((marks) => marks.map((m) => m.dataset.name));
    assert.deepEqual(references, ['VGG-like', 'ResNet-like', 'MobileNet-like'], 'the reference architectures are drawn, labelled');
    assert.equal(await page.getByTestId('narrative').count(), 3, 'one narrative per generation');
    await page.getByTestId('hv-chart').waitFor();
    assert.equal(await page.getByTestId('hv-chart').getAttribute('data-x'), 'train_steps', 'a trained run plots hypervolume against compute');
    assert.match(await page.getByTestId('hv-chart').textContent(), /\d+ steps/);
    await screenshot(page, 'search-cpu-finished');
    await page.getByTestId('filter-front').check();
    const front = await page.getByTestId('candidate-row').count();
    assert.ok(front >= 1 && front <= 9, `the front filter keeps the front (${front} rows)`);
    const download = async (testid) => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
      return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') };
    };
    const csv = await download('export-run-csv');
    assert.match(csv.name, /^run-\d+-seed-7\.csv$/);
    assert.equal(csv.text.trim().split('\n').length, 10, 'the CSV has a header and one row per candidate');
    const results = JSON.parse((await download('export-run-json')).text);
    assert.equal(results.candidates.length, 9);
    // The last candidate: its trained model is still held by the engine.
    await clickPoint(page, 8);
    const genotype = JSON.parse((await download('export-genotype-json')).text);
    const [weights] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-weights').click()]);
    const record = await readFile(await weights.path());
    assert.match(weights.suggestedFilename(), /^run-\d+-seed-7-[0-9a-f]{16}\.bpk$/);
    assert.equal(record.subarray(0, 4).toString('latin1'), 'NRUB', 'a burnpack record');
    assert.ok(record.length > 1000, `the weights are in it (${record.length} bytes)`);
    assert.equal(genotype.format, 'efficientnas-genotype');
    // A reference's trained network as ONNX, from the list under the plot.
    await page.locator('[data-testid="reference-list"] summary').click();
    assert.equal(await page.getByTestId('reference-row').count(), 3);
    const [reference] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-reference-onnx').first().click()]);
    const referenceBytes = await readFile(await reference.path());
    assert.match(reference.suggestedFilename(), /^run-\d+-seed-7-[0-9a-f]{16}\.onnx$/);
    assert.ok(referenceBytes.toString('latin1').includes('BatchNormalization'), 'an ONNX graph');
    assert.equal((await download('export-genotype-text')).text.trim(), genotype.text);
    // The exported genotype comes back in and trains alone; a garbled one says what is wrong.
    await page.locator('[data-testid="import"] summary').click();
    await page.getByTestId('import-genotype').fill('8:conv9x9');
    assert.match(await page.getByTestId('import-error').textContent(), /conv9x9/);
    assert.equal(await page.getByTestId('train-imported').isEnabled(), false);
    await page.getByTestId('import-genotype').fill(JSON.stringify(genotype));
    // Trained long enough to classify, so onnxruntime's accuracy below says something.
    await page.getByTestId('field-steps').fill('300');
    await page.getByTestId('field-batch_size').fill('32');
    await page.getByTestId('train-imported').click();
    await waitForStatus(page, ['completed', 'failed'], 120_000);
    assert.equal(await status(page), 'completed');
    assert.equal(await pointsMatchCandidates(page), 1, 'the imported architecture alone');
    assert.deepEqual((await rowTexts(page)).map((row) => row.split(' ')[1]), [genotype.text]);
    // Its network as ONNX passes onnx.checker and onnxruntime (tests/onnx/check.py), and
    // onnxruntime classifies the built-in digits as well as the page says it does (within 0.1).
    await clickPoint(page, 0);
    assert.match(await page.getByTestId('candidate-metrics').textContent(), /training300 steps/);
    const takeAway = await page.getByTestId('export-take-away').textContent();
    const accuracy = Number(takeAway.match(/^([\d.]+) % validation accuracy · .* ms measured on this device · .* parameters$/)?.[1]);
    assert.ok(accuracy > 30, `the imported genotype learned the digits: ${takeAway}`);
    const [onnx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-onnx').click()]);
    assert.match(onnx.suggestedFilename(), /^run-\d+-imported-[0-9a-f]{16}\.onnx$/);
    const digits = ['www/digits/digits-images-idx3-ubyte.gz', 'www/digits/digits-labels-idx1-ubyte.gz'];
    const checked = execFileSync('.venv-onnx/bin/python', ['tests/onnx/check.py', '--model', await onnx.path(),
      '--digits', ...digits, '--accuracy', String(accuracy / 100)], { encoding: 'utf8' });
    console.log(checked.trim());
    assert.match(checked, /1 passed, 0 failed/);
    await screenshot(page, 'search-cpu-imported');
    await assertResponsive(page, 'CPU search');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('NAS-Bench-201 tabular mode: 500 evaluations finish and every one is plotted', { timeout: 4 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([]);
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await page.getByTestId('field-dataset').selectOption('nb201-cifar10');
    await page.getByTestId('field-population').fill('20');
    await page.getByTestId('field-generations').fill('25');
    await page.evaluate(() => { window.__longTasks = []; });
    const started = Date.now();
    await page.getByTestId('search').click();
    await waitForStatus(page, ['completed', 'failed'], 60_000);
    const seconds = (Date.now() - started) / 1000;
    console.log(`tabular search of 500 evaluations: ${seconds.toFixed(2)} s from click to finished`);
    assert.equal(await status(page), 'completed');
    assert.equal(await pointsMatchCandidates(page), 500);
    assert.equal(await page.getByTestId('narrative').count(), 25, 'one narrative per generation');
    assert.equal(await page.locator('[data-testid="narrative-earlier"] [data-testid="narrative"]').count(), 22, 'all but the latest 3 folded');
    const plotFirst = await page.evaluate(() => {
      const plot = document.querySelector('[data-testid="pareto-plot"]');
      return Boolean(plot.compareDocumentPosition(document.querySelector('[data-testid="run-history"]')) & Node.DOCUMENT_POSITION_FOLLOWING);
    });
    assert.ok(plotFirst, 'the Pareto plot comes before the history of the run');
    await screenshot(page, 'search-tabular');
    await assertResponsive(page, 'tabular search');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('tabular mode runs every strategy, and each picks the cells the CLI picks for the same seed', { timeout: 10 * 60_000 }, async () => {
  // The CLI first: `cargo run` may wait for the native lane to build it.
  const strategies = ['nsga2', 'random', 'regularized_evolution', 'local_search', 'predictor_guided'];
  const onCli = {};
  for (const strategy of strategies) {
    const out = `${ARTIFACTS}/cli-tabular-${strategy}.json`;
    execFileSync('cargo', ['run', '--quiet', '--locked', '--bin', 'cli', '--', 'search', '--space', 'nb201', '--dataset', 'cifar10',
      '--strategy', strategy, '--population', '6', '--generations', '4', '--seed', '12', '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
    onCli[strategy] = JSON.parse(await readFile(out, 'utf8')).candidates.map((c) => c.arch_id);
  }
  for (const strategy of strategies) {
    // A fresh page for each: a finished run stays on show until the next one reports.
    const { page, problems, close } = await openPage([]);
    try {
      await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
      await page.getByTestId('field-dataset').selectOption('nb201-cifar10');
      await page.getByTestId('field-population').fill('6');
      await page.getByTestId('field-generations').fill('4');
      await page.getByTestId('field-seed').fill('12');
      const offered = await page.getByTestId('field-strategy').locator('option').evaluateAll((options) => options.map((o) => o.value));
      assert.deepEqual(offered, strategies, 'the form offers every strategy');
      await page.getByTestId('field-strategy').selectOption(strategy);
      await page.getByTestId('search').click();
      await waitForStatus(page, ['completed', 'failed'], 60_000);
      assert.equal(await status(page), 'completed', strategy);
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-run-json').click()]);
      const inPage = JSON.parse(await readFile(await file.path(), 'utf8')).candidates.map((c) => c.arch_id);
      assert.equal(inPage.length, 24, `${strategy}: 6 x 4 cells`);
      assert.deepEqual(inPage, onCli[strategy], `${strategy}: the page and the CLI evaluate the same cells in the same order`);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  }
});

test('lesson links round-trip; a garbled link shows its problem and keeps the defaults', { timeout: 4 * 60_000 }, async () => {
  const first = await openPage([]);
  let link;
  try {
    await first.page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await first.page.getByTestId('field-population').fill('5');
    await first.page.getByTestId('field-cell_widths').fill('8 | 16,24');
    await first.page.getByTestId('objective-macs').check();
    await first.page.locator('[data-testid="lesson"] summary').click();
    await first.page.getByTestId('hide-ops').check();
    await first.page.getByTestId('hide-cell_widths').check();
    await first.page.getByTestId('lock-seed').check();
    link = await first.page.getByTestId('lesson-link').inputValue();
    console.log(`lesson link: ${link}`);
    await screenshot(first.page, 'lesson-instructor');
    assert.deepEqual(first.problems, []);
  } finally {
    await first.close();
  }
  const fragment = link.slice(link.indexOf('#'));
  const student = await openPage([], fragment);
  try {
    const { page } = student;
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    assert.equal(await page.getByTestId('field-population').inputValue(), '5');
    assert.equal(await page.getByTestId('objective-macs').isChecked(), true);
    assert.equal(await page.getByTestId('field-ops').isVisible(), false, 'hidden: ops');
    assert.equal(await page.getByTestId('field-cell_widths').count(), 0, 'hidden: cell widths');
    assert.equal(await page.getByTestId('field-seed').isDisabled(), true, 'locked: seed');
    assert.equal(await page.getByTestId('field-population').isDisabled(), false);
    assert.equal(await page.getByTestId('notice').count(), 0);
    assert.equal(await page.getByTestId('lesson-link').inputValue(), link, 'the link describes the same settings');
    await screenshot(page, 'lesson-student');
    assert.deepEqual(student.problems, []);
  } finally {
    await student.close();
  }
  const garbled = await openPage([], '#v=1&population=%ZZ&dataset=%3Cimg%20src%3Dx%3E');
  try {
    const { page } = garbled;
    await page.getByTestId('notice').waitFor({ timeout: 60_000 });
    const notice = await page.getByTestId('notice').textContent();
    console.log(`garbled link: ${notice}`);
    assert.match(notice, /lesson link cannot be used/);
    assert.equal(await page.getByTestId('field-population').inputValue(), '8', 'defaults kept');
    assert.equal(await page.locator('img').count(), 0, 'nothing from the link is rendered as markup');
    await screenshot(page, 'lesson-garbled');
  } finally {
    await garbled.close();
  }
});

test('a reload mid-run offers to resume from IndexedDB and the run finishes with every earlier candidate kept', { timeout: 6 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([]);
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await tinySearch(page, { population: 3, generations: 3 });
    await page.getByTestId('search').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="run-summary"]')?.dataset.candidates) >= 2,
      null, { timeout: 120_000, polling: 50 });
    const before = await rowTexts(page);
    assert.ok(before.length >= 2 && before.length < 9, `reloading mid-run (${before.length} scored)`);
    await page.reload();
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    const offer = page.getByTestId('resume-offer');
    await offer.waitFor({ timeout: 30_000 });
    await screenshot(page, 'resume-offer');
    assert.equal(await page.locator('[data-testid="saved-run"][data-unfinished="true"]').count(), 1);
    const resume = page.getByTestId('resume-offer-resume');
    await page.waitForFunction(() => !document.querySelector('[data-testid="resume-offer-resume"]')?.disabled, null, { timeout: 60_000 });
    await page.evaluate(() => { window.__longTasks = []; });
    await resume.click();
    await waitForStatus(page, ['running', 'paused', 'completed'], 60_000);
    const restored = await count(page, 'candidates');
    assert.ok(restored >= before.length, `the candidates saved before the reload come back (${restored} of at least ${before.length})`);
    await waitForStatus(page, ['completed'], 240_000);
    assert.equal(await pointsMatchCandidates(page), 9, 'the resumed run completes its 3 generations of 3');
    assert.deepEqual((await rowTexts(page)).slice(0, before.length), before, 'earlier candidates kept as they were');
    assert.equal(await page.getByTestId('narrative').count(), 3);
    await assertResponsive(page, 'resumed search');
    await screenshot(page, 'resumed-finished');

    // The finished run is listed; after another reload it reopens read-only and can be deleted.
    await page.reload();
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    const saved = page.locator('[data-testid="saved-run"][data-unfinished="false"]');
    await saved.first().waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('resume-offer').count(), 0, 'nothing left to resume');
    await saved.first().getByTestId('saved-open').click();
    await waitForStatus(page, ['completed'], 30_000);
    assert.equal(await pointsMatchCandidates(page), 9, 'reopened with every candidate');
    assert.equal(await page.getByTestId('narrative').count(), 3);
    await saved.first().getByTestId('saved-delete').click();
    await page.getByTestId('saved-run').waitFor({ state: 'detached', timeout: 30_000 });
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('a corrupted checkpoint in IndexedDB is refused with what is wrong; the other saved runs stay usable', { timeout: 6 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([]);
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    // A finished run, saved beside the one whose checkpoint is corrupted below.
    await page.getByTestId('field-dataset').selectOption('nb201-cifar10');
    await page.getByTestId('field-population').fill('4');
    await page.getByTestId('field-generations').fill('2');
    await page.getByTestId('search').click();
    await waitForStatus(page, ['completed'], 60_000);
    await page.getByTestId('field-dataset').selectOption('digits');
    await tinySearch(page, { population: 3, generations: 3, references: false });
    await page.getByTestId('search').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="run-summary"]')?.dataset.candidates) >= 2,
      null, { timeout: 120_000, polling: 50 });
    await page.reload();
    await page.getByTestId('resume-offer').waitFor({ timeout: 120_000 });
    // The saved engine state now names a tournament contestant outside the population.
    const corrupted = await page.evaluate(() => new Promise((resolve, reject) => {
      const open = indexedDB.open('efficientnas-playground');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const store = open.result.transaction('snapshots', 'readwrite').objectStore('snapshots');
        let count = 0;
        const walk = store.openCursor();
        walk.onerror = () => reject(walk.error);
        walk.onsuccess = () => {
          const cursor = walk.result;
          if (!cursor) { open.result.close(); resolve(count); return; }
          const snapshot = JSON.parse(cursor.value);
          snapshot.strategy.state.contestants = [99];
          cursor.update(JSON.stringify(snapshot));
          count += 1;
          cursor.continue();
        };
      };
    }));
    assert.equal(corrupted, 1, 'one unfinished run has a checkpoint');
    await page.reload();
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await page.getByTestId('resume-offer').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => !document.querySelector('[data-testid="resume-offer-resume"]')?.disabled, null, { timeout: 60_000 });
    await page.getByTestId('resume-offer-resume').click();
    await waitForStatus(page, ['failed'], 60_000);
    const said = await page.getByTestId('run-status').textContent();
    assert.match(said, /contestant 99 is outside the population/, said);
    await screenshot(page, 'corrupted-checkpoint');
    // The finished run still opens, whole.
    const finished = page.locator('[data-testid="saved-run"][data-unfinished="false"]');
    await finished.first().getByTestId('saved-open').click();
    await waitForStatus(page, ['completed'], 30_000);
    assert.equal(await pointsMatchCandidates(page), 8, 'the other saved run opens with every candidate');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('a run made by cli search opens in the page read-only', { timeout: 10 * 60_000 }, async () => {
  // The same engine on the command line: a NAS-Bench-201 search of 4 x 2, its results written as the page exports them.
  const out = 'test-artifacts/e2e/cli-run.json';
  execFileSync('cargo', ['run', '--quiet', '--locked', '--bin', 'cli', '--', 'search', '--space', 'nb201', '--population', '4',
    '--generations', '2', '--seed', '5', '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  const { page, problems, close } = await openPage([]);
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await page.getByTestId('import-run').setInputFiles(out);
    await waitForStatus(page, ['completed'], 30_000);
    assert.equal(await pointsMatchCandidates(page), 8, 'every candidate of the CLI run is plotted and listed');
    assert.equal(await page.getByTestId('narrative').count(), 2, 'one narrative per generation');
    await page.getByTestId('import-run').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "x"}') });
    await page.getByTestId('notice').first().waitFor({ timeout: 10_000 });
    assert.match(await page.getByTestId('notice').first().textContent(), /its "format" must be "efficientnas-run"/);
    assert.equal(await count(page, 'candidates'), 8, 'a bad file loses nothing shown');
    await screenshot(page, 'cli-run-opened');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

/** `count` CIFAR-10 binary records: a label byte (cycling 0-9) and 3,072 pixel bytes each. */
function cifarRecords(count) {
  const bytes = Buffer.alloc(count * 3073);
  for (let i = 0; i < count; i++) {
    bytes[i * 3073] = i % 10;
    for (let p = 1; p < 3073; p++) bytes[i * 3073 + p] = (p * (1 + (i % 10)) + i) & 0xff;
  }
  return bytes;
}

test('your own files: a garbled dataset file shows its problem; a CIFAR-10 batch loads and a search trains on it', { timeout: 4 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([]);
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await page.getByTestId('field-dataset').selectOption('files');
    await page.getByTestId('file-format').selectOption('cifar10');
    const statusLine = page.getByTestId('files-status');
    const state = () => statusLine.getAttribute('data-state');
    assert.equal(await state(), 'none');
    assert.equal(await page.getByTestId('search').isEnabled(), false, 'no search before files are loaded');

    await page.getByTestId('dataset-files').setInputFiles({ name: 'data_batch_1.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(5000, 7) });
    await page.waitForFunction(() => document.querySelector('[data-testid="files-status"]')?.dataset.state === 'refused', null, { timeout: 30_000 });
    const refused = await statusLine.textContent();
    console.log(`garbled dataset file: ${refused}`);
    assert.match(refused, /data_batch_1\.bin: truncated: 5000 bytes/);
    assert.equal(await page.getByTestId('search').isEnabled(), false, 'still no search');
    await screenshot(page, 'files-garbled');

    await page.getByTestId('dataset-files').setInputFiles({ name: 'data_batch_1.bin', mimeType: 'application/octet-stream', buffer: cifarRecords(60) });
    await page.waitForFunction(() => document.querySelector('[data-testid="files-status"]')?.dataset.state === 'loaded', null, { timeout: 30_000 });
    assert.match(await statusLine.textContent(), /60 images of 3×32×32, 10 classes/);
    await tinySearch(page, { population: 2, generations: 1 });
    await page.getByTestId('field-latency').selectOption('measured');
    await page.evaluate(() => { window.__longTasks = []; });
    await page.getByTestId('search').click();
    await waitForStatus(page, ['completed', 'failed'], 120_000);
    assert.equal(await status(page), 'completed');
    assert.equal(await pointsMatchCandidates(page), 2);
    // The latency objective is what was measured here: the table's latency and measured columns agree.
    assert.match(await page.getByTestId('pareto-plot').textContent(), /latency \(ms, measured on this device\)/);
    const columns = await page.getByTestId('candidate-row').evaluateAll((rows) => rows.map((row) => [row.cells[3].textContent, row.cells[5].textContent]));
    for (const [objective, measured] of columns) assert.equal(objective, measured);
    assert.match(await page.getByTestId('run-status').textContent(), /data_batch_1\.bin · 1 generations × 2/);
    await assertResponsive(page, 'search on your files');
    await screenshot(page, 'files-search');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('the default search with a one-minute time budget is sized to it, ends when the time is up and plots a front', { timeout: 6 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([]);
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await page.getByTestId('field-time_budget').fill('1');
    // The CPU is timed at start-up; the page then sizes the default search to the minute.
    const plan = page.getByTestId('plan');
    await plan.waitFor({ timeout: 120_000 });
    const planned = await plan.textContent();
    console.log(`plan: ${planned}`);
    assert.match(planned, /Sized for about 1 min 00 s at \d+(\.\d)? (ms|s) a training step on the CPU/);
    const generations = Number(await page.getByTestId('field-generations').inputValue());
    await page.evaluate(() => { window.__longTasks = []; });
    await page.getByTestId('search').click();
    await page.getByTestId('eta').waitFor({ timeout: 60_000 });
    await waitForStatus(page, ['completed', 'failed'], 4 * 60_000);
    assert.equal(await status(page), 'completed');
    assert.equal(await summary(page).getAttribute('data-ended'), 'time', 'the time budget ended it, not the generations');
    assert.ok(await count(page, 'generations') < generations, `fewer than the ${generations} generations planned`);
    console.log(`one-minute search: ${await page.getByTestId('run-status').textContent()}; ${await page.getByTestId('run-seconds').textContent()}`);
    const candidates = await pointsMatchCandidates(page);
    await page.getByTestId('filter-front').check();
    const front = await page.getByTestId('candidate-row').count();
    assert.ok(front >= 1 && front <= candidates, `a front of ${front} of ${candidates} candidates`);
    // A run that recovered from an engine crash still completes: the notice says it happened.
    assert.equal(await page.getByTestId('notice').filter({ hasText: 'engine stopped' }).count(), 0, 'no engine restart');
    await screenshot(page, 'search-time-budget');
    await assertResponsive(page, 'one-minute search');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('on a phone-sized screen the page stacks, fits the width and runs a search', { timeout: 3 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([], '', { width: 390, height: 844 });
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await page.getByTestId('field-dataset').selectOption('nb201-cifar10');
    await page.getByTestId('field-population').fill('10');
    await page.getByTestId('field-generations').fill('5');
    await page.evaluate(() => { window.__longTasks = []; });
    await page.getByTestId('search').click();
    await waitForStatus(page, ['completed'], 60_000);
    assert.equal(await pointsMatchCandidates(page), 50);
    const layout = await page.evaluate(() => {
      const box = (selector) => document.querySelector(selector).getBoundingClientRect();
      return {
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        sidebarBottom: box('.sidebar').bottom,
        mainTop: box('.main-view').top,
        plotWidth: box('[data-testid="pareto-plot"]').width,
      };
    });
    console.log(`phone layout: ${JSON.stringify(layout)}`);
    assert.ok(layout.overflow <= 0, `nothing wider than the screen (${layout.overflow} px over)`);
    assert.ok(layout.sidebarBottom <= layout.mainTop, 'settings stacked above the results');
    assert.ok(layout.plotWidth > 300 && layout.plotWidth <= 390, `the plot fills the width (${layout.plotWidth} px)`);
    await page.getByTestId('search').focus();
    await page.keyboard.press('Tab');
    assert.notEqual(await page.evaluate(() => document.activeElement?.tagName), 'BODY', 'controls are reachable by keyboard');
    await assertResponsive(page, 'phone tabular search');
    await screenshot(page, 'phone');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('WebGPU lost mid-run: the engine restarts on the CPU and the run continues from its checkpoint', { timeout: 8 * 60_000 }, async () => {
  const { page, problems, close } = await openPage(WEBGPU, '', undefined, 'webgpu');
  try {
    await page.locator('[data-backend="webgpu"]').waitFor({ timeout: 120_000 });
    await tinySearch(page, { population: 2, generations: 2, references: false });
    await page.getByTestId('search').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="run-summary"]')?.dataset.candidates) >= 1,
      null, { timeout: 5 * 60_000, polling: 100 });
    const before = await rowTexts(page);
    // From now on every read-back of the GPU fails, as when the device is lost.
    const [worker] = page.workers();
    await worker.evaluate(() => {
      GPUBuffer.prototype.mapAsync = function () { return Promise.reject(new DOMException('device lost (test)', 'OperationError')); };
    });
    const banner = page.getByTestId('cpu-banner');
    await banner.waitFor({ timeout: 3 * 60_000 });
    console.log(`after losing the GPU mid-run: ${await banner.textContent()}`);
    await waitForStatus(page, ['completed', 'failed'], 3 * 60_000);
    assert.equal(await status(page), 'completed', 'the run finished on the CPU');
    assert.equal(await pointsMatchCandidates(page), 4);
    assert.deepEqual((await rowTexts(page)).slice(0, before.length), before, 'candidates scored on WebGPU are kept');
    await screenshot(page, 'gpu-lost-mid-run');
    console.log(`messages seen: ${problems.length}`);
  } finally {
    await close();
  }
});
