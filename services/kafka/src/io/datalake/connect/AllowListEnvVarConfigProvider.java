package io.datalake.connect;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigData;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.provider.EnvVarConfigProvider;

/**
 * Kafka's EnvVarConfigProvider, but a placeholder naming a variable outside the allow list is an
 * error instead of being left unresolved.
 *
 * <p>The stock provider with {@code allowlist.pattern} silently keeps {@code ${env:OTHER}} as a
 * literal, so a connector posted with it is accepted and runs with a wrong value. Throwing here
 * makes the worker refuse the connector (and a config validation) with a message naming the
 * variable. The allow list is rendered from the variables the repository's connector files use.
 */
public final class AllowListEnvVarConfigProvider extends EnvVarConfigProvider {
    private Pattern allowed = Pattern.compile("(?!)"); // nothing until configured

    @Override
    public void configure(Map<String, ?> configs) {
        super.configure(configs);
        Object pattern = configs.get(ALLOWLIST_PATTERN_CONFIG);
        if (pattern == null) {
            throw new ConfigException(ALLOWLIST_PATTERN_CONFIG + " is required: list the variables connectors may read");
        }
        allowed = Pattern.compile(String.valueOf(pattern));
    }

    @Override
    public ConfigData get(String path, Set<String> keys) {
        Set<String> refused = new TreeSet<>();
        for (String key : keys) {
            if (!allowed.matcher(key).matches()) {
                refused.add(key);
            }
        }
        if (!refused.isEmpty()) {
            throw new ConfigException("environment variable(s) " + refused + " are not on the worker's allow list"
                + " (config.providers.env.param.allowlist.pattern); connectors may only read " + allowed.pattern());
        }
        return super.get(path, keys);
    }
}
