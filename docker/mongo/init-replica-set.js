// Health check of the mongo service: a one-node replica set (change streams need one), initiated
// on the first check; afterwards the check only asks whether this node is the primary.
try {
  quit(rs.status().myState === 1 ? 0 : 1);
} catch (e) {
  rs.initiate({ _id: "rs0", members: [{ _id: 0, host: "mongo:27017" }] });
  quit(1);
}
