/**
 * Reading the Prometheus text exposition format (0.0.4) back in tests: a strict reader that
 * throws on any line the format does not allow, and `promtool check metrics` (Prometheus's own
 * linter) when it is installed.
 */
import { spawnSync } from 'node:child_process';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  help: string;
  type: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_NAME = '[a-zA-Z_][a-zA-Z0-9_]*';
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = new RegExp(`^(${LABEL_NAME})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"(,|$)`);

function unescapeLabel(text: string): string {
  return text.replace(/\\([\\"n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(text: string, line: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
    throw new Error(`not a sample value: ${JSON.stringify(line)}`);
  }
  return Number(text);
}

/**
 * Reads exposition text into its families, strictly: HELP and TYPE once per family and before
 * its samples, samples of a family together, label values escaped as the format says, no
 * series twice, a final line feed.
 */
export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the text does not end with a line feed');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: string | undefined;
  const family = (name: string): Family => {
    if (current !== name) {
      if (current !== undefined) closed.add(current);
      if (closed.has(name)) throw new Error(`the lines of ${name} are not together`);
      current = name;
    }
    let found = families.get(name);
    if (!found) {
      found = { help: '', type: '', samples: [] };
      families.set(name, found);
    }
    return found;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    const help = HELP.exec(line);
    const type = TYPE.exec(line);
    if (help) {
      const f = family(help[1]!);
      if (f.help !== '' || f.samples.length > 0) throw new Error(`HELP out of place: ${line}`);
      f.help = help[2]!.replace(/\\([\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
      continue;
    }
    if (type) {
      const f = family(type[1]!);
      if (f.type !== '' || f.samples.length > 0) throw new Error(`TYPE out of place: ${line}`);
      f.type = type[2]!;
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a line of the text format: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    let rest = sample[2] ?? '';
    while (rest !== '') {
      const label = LABEL.exec(rest);
      if (!label) throw new Error(`bad labels: ${JSON.stringify(line)}`);
      if (label[1]! in labels) throw new Error(`label ${label[1]} twice: ${line}`);
      labels[label[1]!] = unescapeLabel(label[2]!);
      rest = rest.slice(label[0].length);
    }
    const f = family(sample[1]!);
    const key = `${sample[1]}${JSON.stringify(labels)}`;
    if (series.has(key)) throw new Error(`series twice: ${line}`);
    series.add(key);
    f.samples.push({ labels, value: parseValue(sample[3]!, line) });
  }
  return families;
}

/** The value of one series, by metric name and path; undefined when there is none. */
export function seriesValue(
  families: Map<string, Family>,
  name: string,
  path: string,
): number | undefined {
  return families.get(name)?.samples.find((sample) => sample.labels.path === path)?.value;
}

/** Whether `promtool` (from the `prometheus` package) is on the PATH. */
export const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

/** `promtool check metrics` on the text: its exit code and what it said. */
export function promtoolCheck(text: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
