// The notifications console page: teams to follow, upcoming matches, and
// your inbox, kept live (polled: a page cannot send its token with an
// EventSource).
export default async function mount(root, app) {
  const { el, api, every, when } = app;
  const teams = el('tbody', { id: 'teams' });
  const matches = el('tbody');
  const inbox = el('ol', { id: 'inbox', 'aria-live': 'polite' });
  const unread = el('span', { class: 'muted' });
  let newest = 0;

  async function loadTeams() {
    const [all, mine] = await Promise.all([api('GET', '/api/v1/notifications/teams?limit=100'),
                                           api('GET', '/api/v1/notifications/me/follows')]);
    const followed = new Set(mine.items.map((team) => team.id));
    teams.replaceChildren(...all.items.map((team) => el('tr', {}, el('td', {}, team.name), el('td', {}, team.country),
      el('td', {}, el('button', {
        class: followed.has(team.id) ? 'quiet' : null,
        'aria-pressed': followed.has(team.id) ? 'true' : 'false',
        onclick: async () => {
          await api(followed.has(team.id) ? 'DELETE' : 'PUT', `/api/v1/notifications/me/follows/${team.id}`);
          await loadTeams();
        },
      }, followed.has(team.id) ? `Unfollow ${team.name}` : `Follow ${team.name}`)))));
  }

  const markRead = el('button', {
    class: 'quiet',
    onclick: async () => {
      if (newest) await api('POST', '/api/v1/notifications/me/inbox/read', { up_to: newest });
    },
  }, 'Mark all read');

  root.append(el('h1', {}, 'Notifications'),
    el('h2', {}, 'Your inbox ', unread), markRead, inbox,
    el('h2', {}, 'Teams'), el('div', { class: 'scroll' }, el('table', {},
      el('thead', {}, el('tr', {}, ['team', 'country', ''].map((h) => el('th', { scope: 'col' }, h)))), teams)),
    el('h2', {}, 'Upcoming matches'), el('div', { class: 'scroll' }, el('table', {},
      el('thead', {}, el('tr', {}, ['competition', 'teams', 'starts', 'status', 'score'].map((h) => el('th', { scope: 'col' }, h)))), matches)));
  await loadTeams();
  every(2000, async () => {
    const page = await api('GET', '/api/v1/notifications/me/inbox?limit=20');
    newest = page.items.length ? page.items[0].id : 0;
    const count = page.items.filter((item) => !item.read_at).length;
    unread.textContent = count ? `(${count} unread)` : '';
    inbox.replaceChildren(...page.items.map((item) => el('li', { class: item.read_at ? 'muted' : null },
      el('strong', {}, item.title), ' ', el('small', { class: 'muted' }, `${item.kind} · ${when(item.created_at)}`))));
  });
  every(10000, async () => {
    const names = new Map((await api('GET', '/api/v1/notifications/teams?limit=500')).items.map((t) => [t.id, t.name]));
    const page = await api('GET', `/api/v1/notifications/matches?limit=20&from=${encodeURIComponent(new Date(Date.now() - 3 * 3600e3).toISOString())}`);
    matches.replaceChildren(...page.items.map((m) => el('tr', {}, el('td', {}, m.competition),
      el('td', {}, `${names.get(m.home_team_id) || m.home_team_id} – ${names.get(m.away_team_id) || m.away_team_id}`),
      el('td', {}, when(m.starts_at)), el('td', {}, m.status), el('td', {}, m.score ? `${m.score.home}:${m.score.away}` : '—'))));
  });
}
