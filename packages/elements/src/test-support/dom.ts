// Reading an element's shadow DOM and waiting on it, as every element's tests do.

/** Polls `condition` every 10 ms; fails with "Timed out waiting for {what}" after `timeoutMs`. */
export async function until(condition: () => unknown, what: string, timeoutMs = 4_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The next `type` event dispatched on `target`. */
export const once = <K extends keyof HTMLElementEventMap>(target: HTMLElement, type: K) =>
  new Promise<HTMLElementEventMap[K]>((resolve) => target.addEventListener(type, resolve, { once: true }));

/** The first (or every) node of the element's shadow DOM with the CSS part `name`. */
export const part = (element: HTMLElement, name: string) => element.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
export const parts = (element: HTMLElement, name: string) => [...element.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${name}"]`)];

/** Collapses template whitespace only: Intl output keeps its no-break spaces. */
export const text = (element: Element | null | undefined) => element?.textContent?.replace(/[ \t\n\r]+/g, ' ').trim() ?? '';
