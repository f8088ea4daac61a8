/**
 * `/docs/mqtt`: the AsyncAPI document as a plain HTML page, rendered on the server from the JSON (no
 * script, no external resource): a heading per topic, tables of parameters and payload fields with
 * captions and header cells, for keyboard and screen-reader users alike.
 */

type Json = Record<string, unknown>

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!)
/** Escaped text with `code` spans, the only markup the documents' descriptions use. */
const text = (s: unknown): string => escapeHtml(String(s ?? '')).replace(/`([^`]+)`/g, '<code>$1</code>')

const obj = (x: unknown): Json =>
  typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Json) : {}
const slug = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '-')

/** Follows local `$ref`s (`#/components/…`, `#/channels/…`) in `doc` to what they name. */
function resolve(doc: Json, x: unknown): Json {
  let at = obj(x)
  for (let hops = 0; typeof at.$ref === 'string' && at.$ref.startsWith('#/') && hops < 8; hops++)
    at = obj(
      at.$ref
        .slice(2)
        .split('/')
        .reduce<unknown>((node, key) => obj(node)[key], doc),
    )
  return at
}

function typeOf(s: Json): string {
  if ('const' in s) return `constant ${JSON.stringify(s.const)}`
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`
  const alternatives = (s.anyOf ?? s.oneOf) as Json[] | undefined
  if (Array.isArray(alternatives)) return alternatives.map(typeOf).join(' or ')
  const t = Array.isArray(s.type) ? s.type.join(' or ') : String(s.type ?? 'any')
  const limits = [
    s.format && `format ${String(s.format)}`,
    s.minimum !== undefined && `≥ ${String(s.minimum)}`,
    s.exclusiveMinimum !== undefined && `> ${String(s.exclusiveMinimum)}`,
    s.maximum !== undefined && Number(s.maximum) < Number.MAX_SAFE_INTEGER && `≤ ${String(s.maximum)}`,
    s.maxLength !== undefined && `≤ ${String(s.maxLength)} characters`,
  ].filter(Boolean)
  return limits.length ? `${t} (${limits.join(', ')})` : t
}

type Row = { path: string; type: string; required: boolean; description: string }

/** The fields of a payload schema as rows (`a.b`, `list[].c`, `map.<key>`), nested at most 4 deep. */
function fields(doc: Json, schema: unknown, prefix = '', depth = 0): Row[] {
  const s = resolve(doc, schema)
  const props = obj(s.properties)
  const required = new Set(Array.isArray(s.required) ? s.required : [])
  const rows: Row[] = []
  for (const [name, raw] of Object.entries(props)) {
    const p = resolve(doc, raw)
    const path = `${prefix}${name}`
    rows.push({
      path,
      type: typeOf(p),
      required: required.has(name),
      description: String(p.description ?? ''),
    })
    if (depth >= 4) continue
    if (p.type === 'object') rows.push(...fields(doc, p, `${path}.`, depth + 1))
    if (p.type === 'object' && typeof p.additionalProperties === 'object' && !p.properties)
      rows.push(...fields(doc, { properties: { '<key>': p.additionalProperties } }, `${path}.`, depth + 1))
    if (p.type === 'array') rows.push(...fields(doc, p.items, `${path}[].`, depth + 1))
  }
  return rows
}

const table = (caption: string, head: string[], rows: string[][]) =>
  `<table><caption>${caption}</caption><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>` +
  `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`).join('')}</tbody></table>`

function message(doc: Json, ref: unknown, id: string): string {
  const m = resolve(doc, ref)
  const title = String(m.title ?? m.name ?? 'Message')
  const rows = fields(doc, m.payload).map((r) => [
    `<code>${escapeHtml(r.path)}</code>`,
    text(r.type),
    r.required ? 'yes' : 'no',
    text(r.description),
  ])
  const body = rows.length
    ? table(`Fields of ${text(title)}`, ['Field', 'Type', 'Required', 'Description'], rows)
    : '<p>Any JSON object.</p>'
  return `<h5 id="${slug(id)}">${text(title)}</h5><p>${text(m.summary)}</p>${body}`
}

function channel(doc: Json, id: string, c: Json): string {
  const ops = Object.entries(obj(doc.operations)).filter(
    ([, o]) => obj(obj(o).channel).$ref === `#/channels/${id}`,
  )
  const params = Object.entries(obj(c.parameters))
  const parts = [
    `<section aria-labelledby="${slug(id)}"><h3 id="${slug(id)}">${text(c.title)}</h3>`,
    `<p>Topic: <code>${escapeHtml(String(c.address))}</code></p><p>${text(c.description)}</p>`,
    params.length
      ? table(
          `Parameters of ${text(c.title)}`,
          ['Parameter', 'Meaning'],
          params.map(([p, d]) => [`<code>${escapeHtml(p)}</code>`, text(obj(d).description)]),
        )
      : '',
  ]
  for (const [opId, raw] of ops) {
    const o = obj(raw)
    const heading = o.action === 'receive' ? 'Clients publish' : 'Clients subscribe'
    parts.push(
      `<h4 id="${slug(opId)}">${heading}</h4><p>${text(o.summary)}.</p><p>${text(o.description)}</p>`,
    )
    const messages = Array.isArray(o.messages) ? o.messages : []
    messages.forEach((ref, i) => parts.push(message(doc, ref, `${opId}-${i}`)))
  }
  parts.push('</section>')
  return parts.join('\n')
}

/** The page, with links to the other documentation pages. */
export function mqttPage(doc: Json): string {
  const info = obj(doc.info)
  const servers = Object.entries(obj(doc.servers)).map(([name, raw]) => {
    const s = obj(raw)
    const vars = obj(s.variables)
    const host = String(s.host).replace(/\{(\w+)\}/g, (_, v: string) => String(obj(vars[v]).default ?? v))
    return [
      escapeHtml(name),
      `<code>${escapeHtml(`${String(s.protocol)}://${host}${String(s.pathname ?? '')}`)}</code>`,
      text(s.description),
    ]
  })
  const logins = Object.entries(obj(obj(doc.components).securitySchemes)).map(([name, s]) => [
    `<code>${escapeHtml(name)}</code>`,
    text(obj(s).description),
  ])
  const channels = Object.entries(obj(doc.channels))
  return `${pageTop({ title: `${text(info.title)}: MQTT topics`, skipTo: 'the topics', current: '/docs/mqtt' })}
<main id="main" class="reference">
<h1>${text(info.title)} <small>AsyncAPI ${text(doc.asyncapi)}, version ${text(info.version)}</small></h1>
<p>${text(info.description)}</p>
<h2>Servers</h2>
${table('Where clients connect', ['Server', 'URL', 'Description'], servers)}
<h2>Logins</h2>
${table('MQTT logins (username and password)', ['Login', 'Description'], logins)}
<h2>Topics</h2>
<ul>${channels.map(([id, c]) => `<li><a href="#${slug(id)}">${text(obj(c).title)}</a>: <code>${escapeHtml(String(obj(c).address))}</code></li>`).join('')}</ul>
${channels.map(([id, c]) => channel(doc, id, obj(c))).join('\n')}
</main>
</body>
</html>
`
}

const NAVIGATION: ReadonlyArray<[href: string, label: string]> = [
  ['/docs', 'HTTP API (OpenAPI)'],
  ['/docs/mqtt', 'MQTT topics (AsyncAPI)'],
  ['/api/openapi.json', 'openapi.json'],
  ['/api/asyncapi.json', 'asyncapi.json'],
]

/**
 * The start of a documentation page up to \`<main>\`: language, local styles only, a skip link and
 * the navigation between the pages (`current` marked for screen readers). `title` is HTML.
 */
export function pageTop(p: {
  title: string
  skipTo: string
  current: string
  stylesheets?: readonly string[]
}) {
  const styles = ['/docs/assets/docs.css', ...(p.stylesheets ?? [])]
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.title}</title>
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
${styles.map((href) => `<link rel="stylesheet" href="${href}">`).join('\n')}
</head>
<body>
<a class="skip" href="#main">Skip to ${escapeHtml(p.skipTo)}</a>
<header>
<nav aria-label="Documentation">
<ul>
${NAVIGATION.map(([href, label]) => `<li><a href="${href}"${href === p.current ? ' aria-current="page"' : ''}>${escapeHtml(label)}</a></li>`).join('\n')}
</ul>
</nav>
</header>`
}
