// Captures the sidecar's pino output in memory, line by line.
export class LogCapture {
  private text = '';

  /** pino writes each JSON line through this. */
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }

  raw(): string {
    return this.text;
  }

  lines(): Array<Record<string, unknown>> {
    return this.text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  requests(): Array<Record<string, unknown>> {
    return this.lines().filter((line) => line['type'] === 'request');
  }
}
