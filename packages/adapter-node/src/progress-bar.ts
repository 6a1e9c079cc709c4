/** A one-line terminal progress bar (no dependency): redraws in place on a TTY, prints sparsely otherwise. */
export class ProgressBar {
  private lastPrinted = -1;
  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly width = 30,
  ) {}

  update(done: number, suffix = ""): void {
    const ratio = this.total === 0 ? 1 : Math.min(1, done / this.total);
    const filled = Math.round(ratio * this.width);
    const line = `[${"#".repeat(filled)}${"-".repeat(this.width - filled)}] ${done}/${this.total} ${suffix}`;
    if (this.out.isTTY) {
      this.out.write(`\r${line}`);
    } else {
      const decile = Math.floor(ratio * 10);
      if (decile !== this.lastPrinted) this.out.write(`${line}\n`);
      this.lastPrinted = decile;
    }
  }

  finish(): void {
    if (this.out.isTTY) this.out.write("\n");
  }
}
