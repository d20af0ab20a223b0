const knex = require('knex')({ client: 'pg', connection: process.env.DATABASE_URL });

async function main() {
  await knex.migrate.latest();
  await knex.destroy();
}

main().catch(console.error);
