/**
 * `lab generate`: greedy generation from a built-in or Hub model in headless Chromium, through the
 * lab's worker (`api.generate`), so it runs exactly the code the page's "try the model" box runs.
 */
import type { GenerateRequest, GenerateResult } from '../src/core/generation/tryModel';
import type { BackendInfo } from '../src/core/runtime/backend';
import type { DownloadEvent } from '../workers/protocol';
import type { Command } from './args';
import { defaultProfileDir, hubEndpoint } from './browser';
import { describeRunFailure, withLabPage } from './browserRun';
import type { CliContext } from './lab';
import { EXIT_FAILED, EXIT_OK } from './exit';
import { downloadReporter } from './format';

type GenerateCommand = Extract<Command, { name: 'generate' }>;

export interface LabGenerateRequest {
  request: GenerateRequest;
  backend: string;
  endpoint: string;
  onBackend(info: BackendInfo): void;
  onEvent(event: DownloadEvent): void;
  onConsole?: (line: string) => void;
  profileDir?: string;
}

export type LabGenerator = (request: LabGenerateRequest) => Promise<GenerateResult>;

export const generateInBrowser: LabGenerator = (request) =>
  withLabPage(
    {
      onBackend: request.onBackend,
      onEvent: request.onEvent,
      onConsole: request.onConsole,
      profileDir: request.profileDir,
    },
    (page, runId) =>
      page.evaluate(
        async ({ request, backend, endpoint, runId }) => {
          const lab = window.safetuneLab.createLabWorker();
          try {
            const info = await lab.api.init(backend as Parameters<typeof lab.api.init>[0]);
            void window.__labBackend(info);
            const forward = lab.progress<DownloadEvent>((message) => {
              void window.__labEvent(message);
            });
            return await lab.api.generate(runId, request, endpoint, forward);
          } finally {
            lab.terminate();
          }
        },
        { request: request.request, backend: request.backend, endpoint: request.endpoint, runId },
      ),
  );

export async function generate(
  command: GenerateCommand,
  cli: CliContext,
  out: (line?: string) => void,
  err: (line: string) => void,
): Promise<number> {
  // With --json, stdout carries the one JSON object and nothing else.
  const info = command.json ? err : out;
  const request: GenerateRequest = {
    model: command.model,
    maxNewTokens: command.maxNewTokens,
    logits: command.logits,
    ...('ids' in command.prompt
      ? { promptIds: command.prompt.ids }
      : { prompt: command.prompt.text }),
  };
  const reportDownload = downloadReporter(() => cli.now(), info);
  let result: GenerateResult;
  try {
    result = await cli.generateLab({
      request,
      backend: command.backend ?? 'auto',
      endpoint: hubEndpoint(cli.env),
      onBackend: (backend) => info(`backend: ${backend.backend} (${backend.reason})`),
      onEvent: (event) => {
        switch (event.type) {
          case 'download':
            reportDownload(event);
            return;
          default: {
            // Every event generate sends is handled above: a new one fails to compile here.
            const unhandled: never = event.type;
            void unhandled;
          }
        }
      },
      onConsole: command.verbose ? err : undefined,
      profileDir: command.freshProfile ? undefined : defaultProfileDir(),
    });
  } catch (error) {
    const failure = describeRunFailure(error);
    err(`error: ${failure.kind === 'error' ? failure.reason : failure.problems.join('; ')}`);
    return EXIT_FAILED;
  }
  if (command.json) {
    // Without --show-prompt the object holds exactly the contract's keys (ARCHITECTURE.md, "CLI").
    const { promptText: _promptText, ...contract } = result;
    out(JSON.stringify(command.showPrompt ? result : contract));
    return EXIT_OK;
  }
  if (command.showPrompt) showPrompt(result, err);
  out(
    `model: ${result.model} (${result.architecture}, ${result.parameters.toLocaleString('en-US')} parameters)`,
  );
  out(`prompt ids: ${result.promptIds.join(',')}`);
  out(`generated ids: ${result.generatedIds.join(',')}`);
  out(`text: ${result.text}`);
  if (result.firstLogits) {
    const top = result.firstLogits
      .map((logit, id) => ({ id, logit }))
      .sort((a, b) => b.logit - a.logit)
      .slice(0, 5);
    out(
      `first logits (top 5 of ${result.firstLogits.length}): ${top.map((t) => `${t.id}:${t.logit.toFixed(4)}`).join(' ')}`,
    );
  }
  return EXIT_OK;
}

/**
 * The rendered prompt on stderr, between a header and an end line: its text is printed as it is,
 * so a template's final newline shows as an empty line before the end.
 */
function showPrompt(result: GenerateResult, err: (line: string) => void): void {
  err(`prompt (${result.promptIds.length} tokens, as the model sees it):`);
  err(result.promptText);
  err('(end of prompt)');
}
