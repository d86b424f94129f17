/**
 * What this process has seen of each stream: "version N exists". Events are never deleted, so the fact
 * stays true, and it lets an append at expected version N skip the read that proves N exists (the one
 * thing a single conditional PutItem of version N + 1 cannot check by itself). Bounded, least recently
 * used first out.
 */
export class KnownVersions {
  private readonly versions = new Map<string, number>();

  constructor(private readonly capacity = 10_000) {}

  has(streamId: string, version: number): boolean {
    const known = this.versions.get(streamId);
    return known !== undefined && known >= version;
  }

  note(streamId: string, version: number): void {
    if (version <= 0) return;
    const known = this.versions.get(streamId);
    this.versions.delete(streamId);
    this.versions.set(streamId, Math.max(known ?? 0, version));
    if (this.versions.size > this.capacity) {
      const oldest = this.versions.keys().next().value;
      if (oldest !== undefined) this.versions.delete(oldest);
    }
  }
}
