/**
 * Hub models in the page: the endpoint setting (validated, kept across reloads), the builder's
 * model choice (inline repo-id errors) and "Try the model" against a local Hub server serving
 * tiny checkpoints (tests/fixtures/hub), checked against the PyTorch reference's greedy tokens
 * (tests/fixtures/hub-golden). Screenshots go to test-results/.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { CURATED_MODELS } from '../../src/core/hub/curated';
import { formatBytes } from '../../src/lib/downloadProgress';
import { formatParameters } from '../../src/lib/modelChoices';
import { startHubServer, type HubServer } from '../support/hubServer';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = 'test-results';

interface Golden {
  repo: string;
  promptIds: number[];
  generatedIds: number[];
}

let server: HubServer;
test.beforeAll(async () => {
  server = await startHubServer(resolve(ROOT, 'tests/fixtures/hub'));
});
test.afterAll(() => server.close());

/** The page on the wasm backend (as the other e2e specs force it), with its worker started. */
async function openOnWasm(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('backend-in-use')).toContainText('In use:', { timeout: 60_000 });
  await page.locator('#field-runtime-backend').selectOption('wasm');
  await expect(page.getByTestId('backend-in-use')).toContainText('In use: wasm', {
    timeout: 60_000,
  });
}

/** Bytes of a fixture repo's weight files (what the download bar counts). */
function weightBytes(repo: string): number {
  const dir = resolve(ROOT, 'tests/fixtures/hub', repo);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.safetensors'))
    .reduce((sum, file) => sum + statSync(resolve(dir, file)).size, 0);
}

/**
 * A proxy in front of the Hub server that sends weight files at about `bytesPerSecond`, so the
 * page's download bar is seen in progress (the fixtures would otherwise arrive at once).
 */
async function startSlowProxy(
  target: string,
  bytesPerSecond: number,
): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const CHUNK = 2048;
  const server: Server = createServer((request, response) => {
    get(`${target}${request.url ?? '/'}`, (upstream) => {
      response.writeHead(upstream.statusCode ?? 502, upstream.headers);
      if (!(request.url ?? '').endsWith('.safetensors')) {
        upstream.pipe(response);
        return;
      }
      const parts: Buffer[] = [];
      upstream.on('data', (part: Buffer) => parts.push(part));
      upstream.on('end', () => {
        const body = Buffer.concat(parts);
        let sent = 0;
        const timer = setInterval(
          () => {
            response.write(body.subarray(sent, sent + CHUNK));
            sent += CHUNK;
            if (sent >= body.byteLength) {
              clearInterval(timer);
              response.end();
            }
          },
          (1000 * CHUNK) / bytesPerSecond,
        );
        response.on('close', () => clearInterval(timer));
      });
    }).on('error', (error) => response.destroy(error));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** An endpoint where nothing listens: a fetch from it fails as an offline one does. */
async function deadEndpoint(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', () => done()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((done) => probe.close(() => done()));
  return `http://127.0.0.1:${port}`;
}

/**
 * Runs the builder's Hub base model (on wasm: the page asks first) from an endpoint that cannot be
 * reached: the run fails, says what to do next, and no stage still says it is preparing; the next
 * steps lead to the endpoint setting and back to the built-in model.
 */
async function failedFetchGuides(page: Page, shot: string): Promise<void> {
  await page.locator('#hub-endpoint').fill(await deadEndpoint());
  await page.getByTestId('run-button').click();
  const check = page.getByTestId('cost-check');
  await expect(check).toContainText('A Hub model on wasm (no GPU) trains slowly');
  await expect(check.getByTestId('cost-estimate')).toContainText(
    'its size is known once its config.json downloads',
  );
  await expect(check).toBeInViewport();
  await page.screenshot({ path: `${SHOTS}/${shot.replace('fetch-failed', 'slow-check')}` });
  await check.getByTestId('cost-accept').click();

  const monitor = page.getByTestId('run-monitor');
  await expect(monitor).toHaveAttribute('data-status', 'failed', { timeout: 60_000 });
  await expect(page.getByTestId('run-error')).toContainText('could not fetch config.json of');
  const steps = page.getByTestId('run-next-steps');
  await expect(steps).toContainText("Check this computer's connection to the Hub endpoint");
  await expect(page.getByTestId('stage-alignment-detail')).toHaveText('stopped');
  await expect(monitor).not.toContainText('preparing');
  await expect(monitor).not.toContainText('waiting for the base model');
  expect(await pageScrollsSideways(page)).toBe(false);
  await monitor.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/${shot}` });

  await steps.getByTestId('set-mirror').click();
  await expect(page.locator('#hub-endpoint')).toBeFocused();
  await expect(page.locator('#hub-endpoint')).toBeInViewport();
  await steps.getByTestId('use-built-in').click();
  await expect(page.locator('#field-model-base')).toHaveValue('safetune-base');
  await expect(steps.getByTestId('built-in-chosen')).toBeVisible();
  await expect(page.getByTestId('hub-run-facts')).toHaveCount(0);
}

async function pageScrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement;
    return root.scrollWidth > window.innerWidth;
  });
}

test('try tiny/llama from a local Hub: the greedy ids equal the PyTorch reference', async ({
  page,
}) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.setViewportSize({ width: 1280, height: 900 });
  await openOnWasm(page);

  // The endpoint setting: invalid text is named inline; a valid one is used and kept.
  const endpoint = page.locator('#hub-endpoint');
  await expect(endpoint).toHaveValue('https://huggingface.co');
  await endpoint.fill('ftp://mirror.example');
  await expect(page.getByTestId('hub-endpoint-error')).toHaveText(
    'the address must start with http:// or https:// (got ftp://)',
  );
  await endpoint.fill(`${server.endpoint}/`);
  await expect(page.getByTestId('hub-endpoint-error')).toHaveText('');

  const golden = JSON.parse(
    readFileSync(resolve(ROOT, 'tests/fixtures/hub-golden/llama.json'), 'utf8'),
  ) as Golden;
  const box = page.getByTestId('try');
  // The box starts on the builder's base model.
  await expect(box.locator('#try-model')).toHaveValue('safetune-base');
  await box
    .locator('#try-model')
    .selectOption({ label: 'Another Hub repo (owner/name[@revision])…' });
  const repo = box.locator('#try-model-repo');
  await repo.fill('tiny/llama/x');
  await expect(box.locator('#try-model-error')).toContainText('has 2 slashes');
  await expect(box.getByTestId('try-generate')).toBeDisabled();
  await repo.fill(golden.repo);
  await expect(box.locator('#try-model-error')).toHaveText('');
  await box.getByRole('radio', { name: 'Token ids' }).check();
  await box.locator('#try-ids').fill(golden.promptIds.join(','));
  await box.locator('#try-max-new-tokens').fill(String(golden.generatedIds.length));
  await box.getByTestId('try-generate').click();

  await expect(box.getByTestId('try-generated-ids')).toHaveText(golden.generatedIds.join(', '), {
    timeout: 120_000,
  });
  await expect(box.getByTestId('try-prompt-ids')).toHaveText(golden.promptIds.join(', '), {
    useInnerText: false,
  });
  await expect(box.getByTestId('try-result')).toContainText('tiny/llama@main · llama');
  // The weights came through the download bar, all of them.
  await expect(box.getByTestId('try-download')).toHaveAttribute('data-over', 'true');
  await expect(box.getByTestId('try-download-bytes')).toHaveText(
    `✓ ${formatBytes(weightBytes(golden.repo))}`,
  );
  await expect(box.getByTestId('try-error')).toHaveCount(0);

  expect(await pageScrollsSideways(page)).toBe(false);
  await box.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/hub-ui-try-1280.png` });
  await box.screenshot({ path: `${SHOTS}/hub-ui-try-box.png` });

  // The prompt as the model saw it: ids as given; an instruction inside the model's ChatML template.
  const prompt = box.getByTestId('try-prompt');
  await expect(prompt.locator('summary')).toHaveText(
    `Prompt as the model sees it (${golden.promptIds.length} tokens)`,
  );
  await expect(box.getByTestId('try-prompt-text')).toBeHidden();
  await box.getByRole('radio', { name: 'Instruction' }).check();
  await box.locator('#try-instruction').fill('hello there');
  await box.getByTestId('try-generate').click();
  await expect(box.getByTestId('try-result')).toContainText('tiny/llama@main · llama', {
    timeout: 60_000,
  });
  await prompt.locator('summary').click();
  const promptText = box.getByTestId('try-prompt-text');
  await expect(promptText).toBeVisible();
  expect(await promptText.textContent()).toBe(
    '<|im_start|>user\nhello there<|im_end|>\n<|im_start|>assistant\n',
  );
  await expect(prompt.locator('summary')).toHaveText(
    /^Prompt as the model sees it \(\d+ tokens\)$/,
  );
  await box.screenshot({ path: `${SHOTS}/hub-ui-try-prompt.png` });

  // A repo the Hub does not have: the worker's one-line reason, and no stale result.
  await repo.fill('tiny/absent');
  await box.getByTestId('try-generate').click();
  await expect(box.getByTestId('try-error')).toHaveText(
    `model tiny/absent@main not found at ${server.endpoint} (404)`,
    { timeout: 60_000 },
  );
  await expect(box.getByTestId('try-result')).toHaveCount(0);

  // The endpoint survives a reload.
  await page.reload();
  await expect(page.locator('#hub-endpoint')).toHaveValue(server.endpoint);
  expect(problems).toEqual([]);
});

test("the builder's base model: built-in, or a Hub repo id with inline problems", async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await openOnWasm(page);
  const picker = page.locator('#field-model-base');
  await expect(picker).toHaveValue('safetune-base');
  const about = page.getByTestId('field-model-base-about');

  // A curated Hub model: its size and cost are stated before anything is downloaded.
  const curated = CURATED_MODELS[0];
  await picker.selectOption(curated.repo);
  await expect(page.getByTestId('config-json')).toContainText(`"base": "${curated.repo}"`);
  await expect(about).toContainText(curated.description);
  await expect(about).toContainText(`${formatParameters(curated.parameters)} parameters`);
  await expect(about).toContainText(`about ${formatBytes(curated.downloadBytes)} to download`);
  await expect(about).toContainText('needs a download; best trained on a WebGPU GPU');
  await expect(page.locator('#field-model-base-error')).toHaveText('');
  // Before it runs, beside Run: the download, the memory on this backend and a time on wasm.
  const facts = page.getByTestId('hub-run-facts');
  await expect(facts).toContainText(`${curated.repo}: about ${formatBytes(curated.downloadBytes)}`);
  await expect(facts).toContainText("at its peak, within wasm's budget");
  // The Run card's one estimate: the real-size run's speed, scaled to this model (issue 26).
  await expect(facts).toContainText(
    /Time: about \d+ (min|h)[^.]* on one wasm thread .*scaled to this size/,
  );
  await page.locator('#field-model-base').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/hub-ui-builder-curated-1280.png` });
  await facts.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/hub-ui-run-facts-1280.png` });
  await picker.selectOption({ label: 'Another Hub repo (owner/name[@revision])…' });
  const repo = page.locator('#field-model-base-repo');
  await repo.fill('tiny/llama@');
  const error = page.locator('#field-model-base-error');
  await expect(error).toHaveText(
    'model.base: model repo id "tiny/llama@": the revision after "@" is empty',
  );
  await expect(page.getByTestId('run-button')).toBeDisabled();
  await expect(page.getByTestId('run-blocked')).toContainText('model.base');

  await repo.fill('tiny/llama@main');
  await expect(error).toHaveText('');
  await expect(about).toContainText('needs a download; best trained on a WebGPU GPU');
  await expect(page.getByTestId('config-json')).toContainText('"base": "tiny/llama@main"');
  // "Try the model" follows the builder's choice.
  await expect(page.locator('#try-model-repo')).toHaveValue('tiny/llama@main');
  // A Hub base needs a usable endpoint before it can run.
  await page.locator('#hub-endpoint').fill('not a url');
  await expect(page.getByTestId('run-blocked')).toContainText('Fix the Hub endpoint first');
  await page.locator('#hub-endpoint').fill(server.endpoint);
  await expect(page.getByTestId('run-button')).toBeEnabled();
  await page.locator('#field-model-base').scrollIntoViewIfNeeded();
  expect(await pageScrollsSideways(page)).toBe(false);
  await page.screenshot({ path: `${SHOTS}/hub-ui-builder-1280.png` });
  await failedFetchGuides(page, 'hub-ui-fetch-failed-1280.png');

  // A preset puts the built-in model back; the field shows it, not the repo text box.
  await page.getByLabel('Preset').selectOption('micro');
  await expect(picker).toHaveValue('safetune-base');
  await expect(page.getByTestId('config-json')).toContainText('"base": "safetune-base"');
  await expect(page.locator('#field-model-base-repo')).toHaveCount(0);

  // The results view (the shipped example run) has its own box, folded, on the run's base model.
  const runBox = page.getByTestId('try-run');
  await runBox.getByRole('heading', { name: "Try this run's models" }).click();
  // The example run was not trained in this browser: its checkpoints are not in the stage cache.
  await runBox.getByTestId('try-run-weights').selectOption('finetuned');
  await runBox.getByTestId('try-run-generate').click();
  await expect(runBox).toContainText("not in this browser's stage cache", { timeout: 60_000 });
  await runBox.getByTestId('try-run-weights').selectOption('base');
  await expect(runBox.locator('#try-run-model')).toHaveValue('safetune-base');
  await runBox.getByTestId('try-run-generate').click();
  // The built-in model answers the instruction through the lab's own template.
  await expect(runBox.getByTestId('try-run-result')).toContainText('safetune-base · gpt2', {
    timeout: 60_000,
  });
  await expect(runBox.getByTestId('try-run-text')).not.toBeEmpty();
  await expect(runBox.getByTestId('try-run-download')).toHaveCount(0);
  await runBox.screenshot({ path: `${SHOTS}/hub-ui-try-run-1280.png` });
  await page.getByTestId('hub-panel').screenshot({ path: `${SHOTS}/hub-ui-endpoint-1280.png` });
});

// tiny/llama only (grouped-query attention, rotary positions, its own tokenizer): a Hub GPT-2's run
// is the built-in family's, covered in the page by every built-in run and from the Hub by the unit
// tests' golden numbers and pipeline; it cost 38 s of CI here.
for (const repo of ['tiny/llama']) {
  test(`a run on ${repo} from the Hub shows its download in the run monitor, and its checkpoints can be tried after`, async ({
    page,
  }) => {
    test.setTimeout(600_000);
    await page.setViewportSize({ width: 1280, height: 900 });
    await openOnWasm(page);
    await page.getByLabel('Preset').selectOption('micro');
    await page.locator('#hub-endpoint').fill(server.endpoint);
    await page
      .locator('#field-model-base')
      .selectOption({ label: 'Another Hub repo (owner/name[@revision])…' });
    await page.locator('#field-model-base-repo').fill(repo);
    await page.getByTestId('run-button').click();
    // A Hub model on wasm asks first (its size is unknown until its config.json downloads).
    await page.getByTestId('cost-accept').click();

    const bar = page.getByTestId('run-download');
    await expect(bar).toBeVisible({ timeout: 60_000 });
    await expect(bar).toContainText(repo);
    // Over once the pipeline moves on to the first stage, with every weight byte counted.
    await expect(bar).toHaveAttribute('data-over', 'true', { timeout: 120_000 });
    await expect(page.getByTestId('run-download-bytes')).toHaveText(
      `✓ ${formatBytes(weightBytes(repo))}`,
    );
    await page.getByTestId('run-monitor').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/hub-ui-run-download-${repo.split('/')[1]}-1280.png` });
    await expect(page.getByTestId('run-monitor')).toHaveAttribute('data-status', 'done', {
      timeout: 480_000,
    });

    // After the run: its fine-tuned weights, read back from the stage cache, answer greedily.
    const runBox = page.getByTestId('try-run');
    await runBox.getByRole('heading', { name: "Try this run's models" }).click();
    await runBox.getByTestId('try-run-weights').selectOption('finetuned');
    await runBox.getByRole('radio', { name: 'Token ids' }).check();
    await runBox.locator('#try-run-ids').fill('5, 71, 200');
    await runBox.getByTestId('try-run-generate').click();
    await expect(runBox.getByTestId('try-run-result')).toContainText(`${repo} (finetuned)`, {
      timeout: 120_000,
    });
    await expect(runBox.getByTestId('try-run-generated-ids')).not.toBeEmpty();
    await runBox.screenshot({
      path: `${SHOTS}/hub-ui-try-checkpoint-${repo.split('/')[1]}-1280.png`,
    });
  });
}

test('a slow download shows its bytes, percentage and ETA while it runs (phone width)', async ({
  page,
}) => {
  const proxy = await startSlowProxy(server.endpoint, 100_000);
  try {
    await page.setViewportSize({ width: 390, height: 844 });
    await openOnWasm(page);
    await page.locator('#hub-endpoint').fill(proxy.endpoint);
    const box = page.getByTestId('try');
    await box
      .locator('#try-model')
      .selectOption({ label: 'Another Hub repo (owner/name[@revision])…' });
    await box.locator('#try-model-repo').fill('tiny/gpt2');
    await box.getByRole('radio', { name: 'Token ids' }).check();
    await box.locator('#try-ids').fill('5, 71, 200');
    await box.getByTestId('try-generate').click();

    const bar = box.getByTestId('try-download');
    await expect(bar).toHaveAttribute('data-over', 'false', { timeout: 30_000 });
    await expect(box.getByTestId('try-download-bytes')).toHaveText(
      new RegExp(`^[\\d.]+ k?B of ${formatBytes(weightBytes('tiny/gpt2'))} \\(\\d+ %\\)$`),
    );
    await expect(box.getByTestId('try-download-eta')).toHaveText(/\/s · ETA \d+ s$/, {
      timeout: 10_000,
    });
    expect(await pageScrollsSideways(page)).toBe(false);
    await box.scrollIntoViewIfNeeded();
    await box.screenshot({ path: `${SHOTS}/hub-ui-try-downloading-390.png` });

    await expect(box.getByTestId('try-generated-ids')).not.toBeEmpty({ timeout: 120_000 });
    await expect(bar).toHaveAttribute('data-over', 'true');
    // The prompt, opened, wraps inside the box at phone width.
    await box.getByText('Prompt as the model sees it (3 tokens)').click();
    await expect(box.getByTestId('try-prompt-text')).toBeVisible();
    expect(await pageScrollsSideways(page)).toBe(false);
    await box.screenshot({ path: `${SHOTS}/hub-ui-try-done-390.png` });

    // The builder's run on a Hub model whose files cannot be fetched, at phone width.
    await page
      .locator('#field-model-base')
      .selectOption({ label: 'Another Hub repo (owner/name[@revision])…' });
    await page.locator('#field-model-base-repo').fill('tiny/gpt2');
    await failedFetchGuides(page, 'hub-ui-fetch-failed-390.png');
  } finally {
    await proxy.close();
  }
});
