// Redocly plugin: the user journeys of openapi/workflows/chat.arazzo.yaml shown in the rendered docs.
// The decorator `workflows/in-docs` adds a "Workflows" section (a tag with `x-traitTag`, which Redoc
// renders as a section of text in the sidebar) listing each workflow, its steps with a link to the
// operation each calls, and what each step must get back. It is written from the Arazzo file at
// build time, so the docs cannot drift from the workflows `npm test` runs. It is on only for the
// docs (the `chatapi-docs` alias in redocly.yaml): the bundle every tool reads stays the API alone.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const WORKFLOWS_FILE = new URL('../workflows/chat.arazzo.yaml', import.meta.url);
const TAG = 'Workflows';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** operationId → the Redoc anchor of its operation (`#tag/Messages/operation/sendMessage`). */
function anchors(root) {
  const found = new Map();
  for (const group of [root.paths ?? {}, root.webhooks ?? {}]) {
    for (const item of Object.values(group)) {
      for (const method of METHODS) {
        const op = item?.[method];
        if (op?.operationId) found.set(op.operationId, `#tag/${encodeURIComponent(op.tags?.[0] ?? 'default')}/operation/${encodeURIComponent(op.operationId)}`);
      }
    }
  }
  return found;
}

/** `$sourceDescriptions.chatapi.sendMessage` → ['chatapi', 'sendMessage']. */
function operationOf(step) {
  const match = /^\$sourceDescriptions\.([^.]+)\.(.+)$/.exec(step.operationId ?? '');
  return match ? [match[1], match[2]] : [undefined, step.operationId ?? step.workflowId];
}

const oneLine = (text) => String(text ?? '').trim().replace(/\s*\n\s*/g, ' ');

function stepLine(step, index, links) {
  const [source, operationId] = operationOf(step);
  const target =
    source === 'chatapi' && links.has(operationId) ? `[\`${operationId}\`](${links.get(operationId)})` : `\`${operationId}\` of the stub's control API (stub only)`;
  const checks = (step.successCriteria ?? []).map((c) => `\`${c.condition}\``).join(', ');
  const retry = (step.onFailure ?? []).find((action) => action.type === 'retry');
  const parts = [`${index + 1}. **${step.stepId}** calls ${target}.`];
  if (step.description) parts.push(` ${oneLine(step.description)}`);
  if (checks) parts.push(` Expects ${checks}${retry ? ` (retried up to ${retry.retryLimit} times, ${retry.retryAfter} s apart)` : ''}.`);
  return parts.join('');
}

function workflowSection(workflow, links) {
  const lines = [`### ${oneLine(workflow.summary ?? workflow.workflowId)}`, '', `\`${workflow.workflowId}\`${workflow['x-stub-only'] ? ' — **stub only**' : ''}`, ''];
  if (workflow.description) lines.push(String(workflow.description).trim(), '');
  lines.push(...workflow.steps.map((step, index) => stepLine(step, index, links)), '');
  return lines.join('\n');
}

function WorkflowsInDocs() {
  return {
    Root: {
      leave(root) {
        const arazzo = parse(readFileSync(WORKFLOWS_FILE, 'utf8'));
        const links = anchors(root);
        const description = [
          `The user journeys of an app on the Chat API, from \`openapi/workflows/chat.arazzo.yaml\` (Arazzo ${arazzo.arazzo}).`,
          'Any Arazzo tool can run them; `npm test` runs them against the server stub with `redocly respect`, and the README',
          'shows how to run them against a real deployment (the channel token as the input `token`, masked in the output).',
          '',
          ...arazzo.workflows.map((workflow) => workflowSection(workflow, links)),
        ].join('\n');
        root.tags = [...(root.tags ?? []).filter((tag) => tag.name !== TAG), { name: TAG, description, 'x-traitTag': true }];
      },
    },
  };
}

export default function workflowsPlugin() {
  return {
    id: 'workflows',
    decorators: { oas3: { 'in-docs': WorkflowsInDocs } },
  };
}
