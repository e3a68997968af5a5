/**
 * A minimal typed event emitter with the same shape as `vscode.EventEmitter`, so that the trainer
 * process (shared by the CLI and the extension), the supervisor and the panel model stay free of
 * `vscode` and can be unit-tested in plain Node. Depends on nothing.
 */
export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (value: T) => void;
export type Event<T> = (listener: Listener<T>) => Disposable;

export class Emitter<T> implements Disposable {
  private readonly listeners = new Set<Listener<T>>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    // Copy first: a listener may unsubscribe itself while we iterate.
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (err) {
        // One failing listener must not starve the others (or crash the extension host).
        console.error('[hrnn] event listener failed', err);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}

/** Resolves with the first value `event` fires that satisfies `predicate`. */
export function nextEvent<T>(event: Event<T>, predicate: (value: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const sub = event((value) => {
      if (!predicate(value)) return;
      sub.dispose();
      resolve(value);
    });
  });
}
