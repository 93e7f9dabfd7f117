// steam-sync's console page: how fresh the catalogue is, the request
// budget left with the store, and an app browser with prices per country.
export default async function mount(root, app) {
  const { el, api, every, when } = app;
  const cards = el('div', { class: 'cards', 'aria-live': 'polite' });
  const budget = el('p', { class: 'muted' });
  const type = el('select', { id: 'steam-type' }, ['', 'game', 'dlc', 'demo', 'music', 'video'].map(
    (t) => el('option', { value: t }, t || 'any type')));
  const apps = el('tbody');
  const more = el('button', { class: 'quiet', hidden: true }, 'More apps');
  const detail = el('div', { id: 'steam-app', 'aria-live': 'polite' });
  let cursor = null;

  async function show(id) {
    const found = await api('GET', `/api/v1/steam-sync/apps/${id}`);
    const prices = Object.entries(found.prices);
    detail.replaceChildren(
      el('h2', {}, found.name, ' ', el('span', { class: 'muted' }, `#${found.app_id}`)),
      el('p', {}, found.short_description || ''),
      el('p', { class: 'muted' }, [found.type, found.is_free ? 'free' : null, ...found.genres].filter(Boolean).join(' · ')),
      prices.length ? el('table', {}, el('thead', {}, el('tr', {}, ['country', 'price', 'discount', 'fetched'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, prices.map(([country, price]) => el('tr', {}, el('td', {}, country),
          el('td', {}, `${(price.final / 100).toFixed(2)} ${price.currency}`), el('td', {}, `${price.discount_percent}%`),
          el('td', {}, when(price.fetched_at)))))) : el('p', { class: 'muted' }, 'No prices fetched.'));
  }

  async function load(fresh) {
    if (fresh) { cursor = null; apps.replaceChildren(); }
    const query = new URLSearchParams({ limit: '50' });
    if (type.value) query.set('type', type.value);
    if (cursor) query.set('cursor', cursor);
    const page = await api('GET', `/api/v1/steam-sync/apps?${query}`);
    apps.append(...page.items.map((item) => el('tr', {},
      el('td', {}, el('a', { href: '#', onclick: (e) => { e.preventDefault(); show(item.app_id); } }, item.name || `#${item.app_id}`)),
      el('td', {}, item.type || '—'), el('td', {}, item.fetch_status), el('td', {}, when(item.details_fetched_at)))));
    cursor = page.next_cursor;
    more.hidden = !cursor;
  }
  type.addEventListener('change', () => load(true));
  more.addEventListener('click', () => load(false));

  root.append(el('h1', {}, 'Steam catalogue'), cards, budget,
    el('div', { class: 'row' }, el('label', { for: 'steam-type' }, 'Type', type)),
    el('div', { class: 'scroll' }, el('table', {}, el('thead', {}, el('tr', {},
      ['app', 'type', 'status', 'details fetched'].map((h) => el('th', { scope: 'col' }, h)))), apps)), more, detail);
  every(5000, async () => {
    const stats = await api('GET', '/api/v1/steam-sync/stats');
    cards.replaceChildren(...[['apps', stats.apps_total], ['never fetched', stats.never_fetched],
      ['fetched in 24 h', stats.fetched_last_24h], ['unavailable', stats.unavailable], ['being fetched', stats.leased]]
      .map(([label, value]) => el('div', { class: 'card' }, el('strong', {}, value), label)));
    const limit = stats.request_budget;
    budget.textContent = `Oldest update ${when(stats.oldest_last_updated)}. ` + (limit
      ? `Store budget: ${limit.requests} requests per ${limit.per_seconds} s at ${limit.host}, ${limit.burst_available.toFixed(1)} available now.`
      : 'No store rate limit configured.');
  });
  await load(true);
}
