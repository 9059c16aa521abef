import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A request's abort signal, made only when a handler asks for it (blocking queries, peering calls): most reads
 * never wait, and an AbortController plus a `close` listener per request is a measurable share of serving a
 * cached answer. Once made, it aborts when the client disconnects before the answer is finished, or when the
 * server closes (the controller is registered in the server's in-flight set until `dispose`).
 */
export class RequestAbort {
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #inflight: Set<AbortController>;
  #controller: AbortController | undefined;
  #onClose: (() => void) | undefined;

  constructor(req: IncomingMessage, res: ServerResponse, inflight: Set<AbortController>) {
    this.#req = req;
    this.#res = res;
    this.#inflight = inflight;
  }

  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = new AbortController();
    this.#controller = controller;
    this.#inflight.add(controller);
    // Made here, not as a field initializer: a closure per request is what this class exists to avoid.
    const res = this.#res;
    this.#onClose = () => {
      if (!res.writableFinished) controller.abort(new Error('client disconnected'));
    };
    res.on('close', this.#onClose);
    // The client may have gone before anyone asked.
    if (this.#res.destroyed || this.#req.socket.destroyed) controller.abort(new Error('client disconnected'));
    return controller.signal;
  }

  /** Whether the signal was made and has aborted. */
  get aborted(): boolean {
    return this.#controller?.signal.aborted ?? false;
  }

  /** Unregisters the controller (if any was made). */
  dispose(): void {
    if (!this.#controller || !this.#onClose) return;
    this.#res.off('close', this.#onClose);
    this.#inflight.delete(this.#controller);
  }
}
