// csv-summer's console page: sum every n-th column of a stored file and
// watch its progress; your sums with their results.
export default async function mount(root, app) {
  const { el, api, every, when } = app;
  const file = el('input', { id: 'csv-file', required: true, size: 28, placeholder: 'reports/2024.csv or s3://bucket/key' });
  const step = el('input', { id: 'csv-every', type: 'number', min: 1, value: 10, size: 4 });
  const header = el('input', { id: 'csv-header', type: 'checkbox', checked: true });
  const skip = el('input', { id: 'csv-skip', type: 'checkbox' });
  const message = el('p', { role: 'alert', class: 'error' });
  const tasks = el('tbody', { id: 'csv-tasks' });

  const result = (task) => {
    if (task.error) return el('span', { class: 'error' }, task.error);
    if (!task.result) return `${Math.round(task.state === 'succeeded' ? 100 : task.progress.fraction * 100)}% ${task.progress.message}`;
    return el('span', {}, task.result.columns.map((c) => `${c.name || '#' + c.index}: ${c.sum}`).join(' · '),
      el('small', { class: 'muted' }, ` (${task.result.rows} rows)`));
  };

  const form = el('form', {
    class: 'row',
    onsubmit: async (event) => {
      event.preventDefault();
      message.textContent = '';
      try {
        await api('POST', '/api/v1/csv-summer/tasks', { file: file.value.trim(), every: Number(step.value),
          header: header.checked, on_invalid: skip.checked ? 'skip' : 'fail' });
        await refresh();
      } catch (error) {
        message.textContent = error.message;
      }
    },
  }, el('label', { for: 'csv-file' }, 'File', file), el('label', { for: 'csv-every' }, 'Every n-th column', step),
  el('label', { for: 'csv-header' }, 'Header row', header), el('label', { for: 'csv-skip' }, 'Skip bad cells', skip),
  el('button', { type: 'submit' }, 'Sum'));

  async function refresh() {
    const page = await api('GET', '/api/v1/csv-summer/tasks?limit=20');
    tasks.replaceChildren(...page.items.map((task) => el('tr', {}, el('td', {}, task.file), el('td', {}, task.state),
      el('td', {}, el('progress', { max: 1, value: task.state === 'succeeded' ? 1 : task.progress.fraction, 'aria-label': 'progress' })),
      el('td', {}, result(task)), el('td', {}, when(task.created_at)))));
  }

  root.append(el('h1', {}, 'CSV summer'), form, message, el('h2', {}, 'Your sums'),
    el('div', { class: 'scroll' }, el('table', {}, el('thead', {}, el('tr', {},
      ['file', 'state', 'progress', 'result', 'submitted'].map((h) => el('th', { scope: 'col' }, h)))), tasks)));
  every(1000, refresh);
}
