import type { RunObserver } from '../model/run-observer.js';
import type { Component } from '../util/lifecycle.js';

/**
 * An output fed by the run model's lifecycle events (console formats, event files, Slack,
 * webhooks, reports, metrics). One file per sink; adding one touches no other.
 *
 * A sink is a Component whose `start` and `shutdown` may be left out: a console format has nothing
 * to open or hand over, and the root's start and `shutdownAll` take a missing one as done. A sink
 * that has a shutdown keeps its deadline (what it could not deliver by then is its error).
 */
export interface Sink extends RunObserver, Partial<Pick<Component, 'start' | 'shutdown'>> {
  readonly name: string;
}
