/** Tiny DOM helpers (no framework: the panel is a handful of elements). */

type Props<K extends keyof HTMLElementTagNameMap> = Partial<Pick<HTMLElementTagNameMap[K], 'className' | 'textContent' | 'title' | 'id'>>;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props<K> = {}, children: Array<Node | string> = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.textContent !== undefined && props.textContent !== null) node.textContent = props.textContent;
  if (props.title) node.title = props.title;
  if (props.id) node.id = props.id;
  for (const c of children) node.append(c);
  return node;
}
