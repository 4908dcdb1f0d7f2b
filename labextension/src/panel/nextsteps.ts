/** The workflow's next step after a command, offered as a button that sends the command line. */
import type { JSONObject, RecordUpsert } from '../applier/index.js';

/** A button label and the line it sends (as if the user typed it). */
export type NextStep = [label: string, line: string];

/** Approve a draft plan, Build an approved one, Fix a review with findings. */
export function nextSteps(records: RecordUpsert[]): NextStep[] {
  const steps: NextStep[] = [];
  for (const { kind, record } of records) {
    const data = record as JSONObject;
    if (kind === 'plans' && data.status === 'draft') {
      steps.push(['Approve', `/approve ${String(data.id)}`]);
    } else if (kind === 'plans' && data.status === 'approved') {
      steps.push(['Build', `/build ${String(data.id)}`]);
    } else if (kind === 'reviews' && hasFindings(data)) {
      steps.push(['Fix', `/fix ${String(data.id)}`]);
    }
  }
  return steps;
}

function hasFindings(review: JSONObject): boolean {
  const reviewers = (review.reviewers as JSONObject[] | undefined) ?? [];
  return reviewers.some(reviewer => ((reviewer.findings as unknown[] | undefined) ?? []).length > 0);
}
