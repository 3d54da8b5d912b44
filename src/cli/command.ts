// What every subcommand declares about itself, so `palisade <command> --help` and the top-level
// usage are generated from one description instead of hand-kept text that drifts from the code.
//
// A command module exports one `Command`: its help (usage lines, every option with its default,
// at least one example) and its `run`. main.ts answers `--help`/`-h` for every command before
// `run` is called, so no command parses or rejects `--help` itself.

export interface OptionHelp {
  /** As typed, with the value's placeholder: `-c, --config FILE`, `--format text|json|junit`. */
  readonly flags: string;
  readonly description: string;
  /** The value used when the option is absent; omit for flags and required options. */
  readonly default?: string;
  readonly required?: boolean;
}

export interface CommandHelp {
  /** As typed after `palisade`: `run`, `certs init`. */
  readonly name: string;
  /** One line for the top-level usage. */
  readonly summary: string;
  /** Synopsis lines without the leading `palisade `. */
  readonly usage: readonly string[];
  /** Paragraphs after the synopsis: what it does, exit codes when they differ from the usual. */
  readonly description?: string;
  readonly options: readonly OptionHelp[];
  readonly examples: readonly string[];
}

export interface Command {
  readonly help: CommandHelp;
  run(args: string[]): number | Promise<number>;
}

export function renderHelp(help: CommandHelp): string {
  const width = columnWidth(help);
  const lines: string[] = [`palisade ${help.name}: ${help.summary}`, '', 'Usage:'];
  for (const usage of help.usage) lines.push(`  palisade ${usage}`);
  if (help.description) lines.push('', ...help.description.trimEnd().split('\n'));
  if (help.options.length > 0) {
    lines.push('', 'Options:');
    for (const option of help.options) {
      // An option that takes a value always shows its default: "none" when absent means unset.
      const shownDefault = option.default ?? (!option.required && takesValue(option.flags) ? 'none' : undefined);
      const notes = [option.required ? 'required' : undefined, shownDefault !== undefined ? `default: ${shownDefault}` : undefined].filter(Boolean);
      const text = `${option.description}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
      const pad = option.flags.length + 2 > width ? `\n  ${' '.repeat(width)}` : ' '.repeat(width - option.flags.length);
      lines.push(`  ${option.flags}${pad}${text}`);
    }
  }
  lines.push(`  ${'-h, --help'.padEnd(width)}print this help`);
  if (help.examples.length > 0) {
    lines.push('', 'Examples:');
    for (const example of help.examples) lines.push(`  ${example}`);
  }
  lines.push('', 'Exit codes: 0 ok, 1 findings or invalid input, 2 usage error.', '');
  return lines.join('\n');
}

/** `--dns NAME`, `-c, --config FILE`: a placeholder follows the option name. */
function takesValue(flags: string): boolean {
  return /(^|[ ,])--?[A-Za-z0-9-]+[ =][^-\s]/.test(flags);
}

/** The column where descriptions start: the longest flags plus two, at most 34. */
function columnWidth(help: CommandHelp): number {
  return Math.min(34, Math.max('-h, --help'.length, ...help.options.map((option) => option.flags.length)) + 2);
}

/** True when the arguments ask for help (before any `--`, which ends the options). */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}
