// First start only (docker-entrypoint-initdb.d, run as the root user MONGO_INITDB_ROOT_*): the
// platform's own user, with what the generators, the Spark connector and the Kafka source need.
db.getSiblingDB("admin").createUser({
  user: "lake",
  pwd: process.env.MONGO_PASSWORD,
  roles: [
    { role: "readWrite", db: "nubank_data" },
    { role: "readWrite", db: "santander_marketing" },
  ],
});
