package io.datalake.thrift;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.security.sasl.AuthenticationException;
import org.apache.hive.service.auth.PasswdAuthenticationProvider;

/**
 * The Spark Thrift server's CUSTOM authentication: users and salted PBKDF2-SHA256 password hashes
 * from a file, one {@code user:pbkdf2-sha256:<iterations>:<salt hex>:<hash hex>} per line.
 *
 * <p>The file is the system property (or --hiveconf) {@code datalake.thrift.users.file}; it is
 * read again whenever it changes, so users are added without a restart ({@code lake sql-user}).
 * Unknown users and wrong passwords get the same answer and cost the same hash computation.
 */
public final class PasswordFileAuthenticator implements PasswdAuthenticationProvider {
    public static final String USERS_FILE = "datalake.thrift.users.file";
    private static final String SCHEME = "pbkdf2-sha256";
    // Same cost as a real entry, so an unknown user takes as long to refuse as a wrong password.
    private static final String DUMMY = SCHEME + ":100000:00:00";

    private static Map<String, String> users = Map.of();
    private static long loadedModified = -1;

    @Override
    public void Authenticate(String user, String password) throws AuthenticationException {
        Map<String, String> known = currentUsers();
        String name = user == null ? "" : user;
        boolean ok = matches(known.getOrDefault(name, DUMMY), password == null ? "" : password);
        if (!ok || !known.containsKey(name)) {
            throw new AuthenticationException("wrong user name or password for the Spark Thrift server");
        }
    }

    private static synchronized Map<String, String> currentUsers() throws AuthenticationException {
        String file = System.getProperty(USERS_FILE);
        if (file == null) {
            throw new AuthenticationException(USERS_FILE + " is not set: no user can log in");
        }
        Path path = Paths.get(file);
        try {
            long modified = Files.getLastModifiedTime(path).toMillis();
            if (modified != loadedModified) {
                Map<String, String> parsed = new HashMap<>();
                List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
                for (String line : lines) {
                    String trimmed = line.strip();
                    int colon = trimmed.indexOf(':');
                    if (!trimmed.isEmpty() && !trimmed.startsWith("#") && colon > 0) {
                        parsed.put(trimmed.substring(0, colon), trimmed.substring(colon + 1));
                    }
                }
                users = Map.copyOf(parsed);
                loadedModified = modified;
            }
            return users;
        } catch (IOException e) {
            throw new AuthenticationException("cannot read the users file " + file + ": " + e.getMessage(), e);
        }
    }

    static boolean matches(String entry, String password) {
        String[] parts = entry.split(":");
        if (parts.length != 4 || !parts[0].equals(SCHEME)) {
            return false;
        }
        try {
            int iterations = Integer.parseInt(parts[1]);
            byte[] salt = HexFormat.of().parseHex(parts[2]);
            byte[] expected = HexFormat.of().parseHex(parts[3]);
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, Math.max(8, expected.length * 8));
            byte[] actual = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            return MessageDigest.isEqual(actual, expected);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
