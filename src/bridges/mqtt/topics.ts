// MQTT topic filters and the two mapping templates of the bridge, as pure functions:
//   inbound:  filter `sensors/+/temperature` + channel template `iot:{1}.temperature`
//   outbound: channel pattern `devices:*.set` + topic template `devices/{1}/set` or `devices/{data.id}/set`
// The config schema checks every rule with these at start; the bridge applies them per message.

/** Why a topic filter is not valid, or undefined when it is (MQTT 5, 4.7). */
export function topicFilterProblem(filter: string): string | undefined {
  if (filter.length === 0) return 'must not be empty';
  if (Buffer.byteLength(filter) > 65_535) return 'is longer than 65535 bytes';
  if (filter.includes('\u0000')) return 'must not contain NUL';
  if (filter.startsWith('$share/')) return 'must not start with $share/ (set sharedGroup instead)';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return '"#" must be a whole level and the last one';
    if (level.includes('+') && level !== '+') return '"+" must be a whole level';
  }
  return undefined;
}

/** Number of wildcards (`+` and `#`) in a valid filter: the captures a channel template may use. */
export function wildcardCount(filter: string): number {
  return filter.split('/').filter((level) => level === '+' || level === '#').length;
}

/**
 * Matches a topic name against a filter; returns the wildcard captures (a `#` captures the
 * remaining levels joined with '/', possibly ''), or undefined when it does not match.
 * Topics starting with '$' are not matched by a leading wildcard (MQTT 5, 4.7.2).
 */
export function matchTopic(filter: string, topic: string): string[] | undefined {
  const filterLevels = filter.split('/');
  const topicLevels = topic.split('/');
  if (topic.startsWith('$') && (filterLevels[0] === '+' || filterLevels[0] === '#')) return undefined;
  const captures: string[] = [];
  for (let i = 0; i < filterLevels.length; i++) {
    const level = filterLevels[i]!;
    if (level === '#') {
      captures.push(topicLevels.slice(i).join('/'));
      return captures;
    }
    if (i >= topicLevels.length) return undefined;
    if (level === '+') captures.push(topicLevels[i]!);
    else if (level !== topicLevels[i]) return undefined;
  }
  return filterLevels.length === topicLevels.length ? captures : undefined;
}

/** Whether some topic could match both filters (used to refuse loops MQTT 3.1.1 cannot see). */
export function filtersOverlap(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === '#' || q === '#') return true;
    if (p === undefined || q === undefined) return false;
    if (p !== '+' && q !== '+' && p !== q) return false;
  }
  return true;
}

// ---- templates: literal text with {placeholders} ----

export type TemplatePart = { text: string } | { capture: number } | { dataPath: readonly string[] };

const PLACEHOLDER = /\{([^{}]*)\}/g;
const DATA_PATH = /^data(?:\.[A-Za-z0-9_-]+)+$/;

/** Splits a template into text and placeholders; throws with the reason when a placeholder is malformed. */
export function parseTemplate(template: string, allowData: boolean): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ text: template.slice(last, match.index) });
    const inner = match[1]!;
    if (/^[1-9][0-9]*$/.test(inner)) parts.push({ capture: Number(inner) });
    else if (allowData && DATA_PATH.test(inner)) parts.push({ dataPath: inner.split('.').slice(1) });
    else throw new Error(`placeholder {${inner}} is not ${allowData ? '{N} or {data.field}' : '{N}'}`);
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  if (parts.some((part) => 'text' in part && /[{}]/.test(part.text))) throw new Error('has an unmatched "{" or "}"');
  return parts;
}

/** The highest {N} a template uses (0 when none). */
export function highestCapture(parts: readonly TemplatePart[]): number {
  return Math.max(0, ...parts.map((part) => ('capture' in part ? part.capture : 0)));
}

/** Fills a template; `value` returns the text of a placeholder (it may throw to refuse). */
export function renderTemplate(parts: readonly TemplatePart[], value: (part: TemplatePart) => string): string {
  return parts.map((part) => ('text' in part ? part.text : value(part))).join('');
}

// ---- outbound channel patterns: `*` stands for one segment (one or more characters, no '.') ----

/** A matcher that returns the `*` captures of a channel, or undefined when it does not match. */
export function channelPatternMatcher(pattern: string): (channel: string) => string[] | undefined {
  const source = pattern
    .split('*')
    .map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('([^.]+)');
  const regex = new RegExp(`^${source}$`);
  return (channel) => {
    const match = regex.exec(channel);
    return match === null ? undefined : match.slice(1);
  };
}

/** Number of `*` in a channel pattern. */
export function starCount(pattern: string): number {
  return pattern.split('*').length - 1;
}

/**
 * Why a value cannot be one level of a topic, or undefined: it must be a non-empty string
 * (or a finite number, or a boolean) with no '/', '+', '#' or NUL, so that data can never
 * add levels or wildcards to a topic.
 */
export function topicLevelProblem(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'is not a finite number';
  if (typeof value === 'boolean') return undefined;
  if (typeof value !== 'string') return value === undefined ? 'is missing' : 'is not a string, number or boolean';
  if (value.length === 0) return 'is empty';
  if (/[/+#]/.test(value) || value.includes('\u0000')) return 'contains "/", "+", "#" or NUL';
  return undefined;
}
