-- An agent's parallelism is its computing power (operations waited out at
-- once), no longer its worker's handler threads.
ALTER TABLE calculator_agents RENAME COLUMN slots TO computing_power;
