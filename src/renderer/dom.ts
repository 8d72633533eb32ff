/**
 * The one way the page makes elements: createElement + textContent, never innerHTML, so nothing
 * that came from the gateway or the user can become markup (and the strict CSP stays satisfied).
 */

export interface ElementProps {
  readonly className?: string;
  readonly text?: string;
  readonly attrs?: Readonly<Record<string, string>>;
}

/** Create `<tag>` with a class, text and attributes, and append the given children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  children: readonly Node[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className !== undefined) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

/** Set text only when it changed, so selection and screen readers are not disturbed every second. */
export function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}
