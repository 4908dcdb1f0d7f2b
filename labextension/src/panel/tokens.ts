/**
 * How the panel words token counts. A server that reports no usage (llama.cpp without
 * `stream_options`, some proxies) leaves them unknown, recorded as `{}` or with a count missing:
 * unknown is shown as "n/a", never as 0, and a change no model made says so instead.
 */

/** Token counts as recorded or sent (`usage` of a change or a `done` message); absent: unknown. */
export type Usage = { [key: string]: number };

/**
 * "N in / M out tokens" (a missing count "n/a"), "tokens n/a" when a model answered without
 * reporting any, or null when no model was asked (nothing to say about tokens).
 */
export function tokenCounts(usage: Usage, modelCalled: boolean): string | null {
  const count = (name: string): string => (typeof usage[name] === 'number' ? String(usage[name]) : 'n/a');
  if (count('prompt_tokens') === 'n/a' && count('completion_tokens') === 'n/a') {
    return modelCalled ? 'tokens n/a' : null;
  }
  return `${count('prompt_tokens')} in / ${count('completion_tokens')} out tokens`;
}

/**
 * Whether a `done` message came from model calls: one answered (`model` set: ask, plan, build,
 * fix, modularize), or the command asks models without naming one in `done` (review's reviewers,
 * `doc update`). A plan or doc shown, an approve, a trust or an export asks none.
 */
export function calledModel(command: string, model: string | null, line: string): boolean {
  return Boolean(model) || command === 'review' || (command === 'doc' && /^\/doc\s+update\b/.test(line.trim()));
}
