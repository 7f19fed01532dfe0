package org.apache.hadoop.hive.common.auth;

import java.net.InetSocketAddress;
import java.util.List;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.apache.thrift.transport.TSSLTransportFactory;
import org.apache.thrift.transport.TSSLTransportFactory.TSSLTransportParameters;
import org.apache.thrift.transport.TServerSocket;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.TTransportException;

/**
 * Platform patch, put first on the Hive metastore's classpath only (see services/hive/README.md).
 *
 * Same API as Hive 2.3's class. The one change: the metastore asks for its server socket with no
 * host, which binds every interface, and 2.3 has no setting for it; here a missing host means the
 * address in the system property {@code datalake.bind.host} (default 127.0.0.1).
 */
public class HiveAuthUtils {

    public static TTransport getSocketTransport(String host, int port, int loginTimeout) throws TTransportException {
        return new TSocket(host, port, loginTimeout);
    }

    public static TTransport getSSLSocket(String host, int port, int loginTimeout) throws TTransportException {
        return withHostnameCheck(TSSLTransportFactory.getClientSocket(host, port, loginTimeout));
    }

    public static TTransport getSSLSocket(String host, int port, int loginTimeout, String trustStorePath,
            String trustStorePassword) throws TTransportException {
        return getSSLSocket(host, port, loginTimeout, loginTimeout, trustStorePath, trustStorePassword);
    }

    public static TTransport getSSLSocket(String host, int port, int socketTimeout, int connectionTimeout,
            String trustStorePath, String trustStorePassword) throws TTransportException {
        TSSLTransportParameters params = new TSSLTransportParameters();
        params.setTrustStore(trustStorePath, trustStorePassword);
        params.requireClientAuth(true);
        TSocket socket = TSSLTransportFactory.getClientSocket(host, port, socketTimeout, params);
        socket.setConnectTimeout(connectionTimeout);
        return withHostnameCheck(socket);
    }

    private static TSocket withHostnameCheck(TSocket socket) {
        SSLSocket ssl = (SSLSocket) socket.getSocket();
        SSLParameters parameters = ssl.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(parameters);
        return socket;
    }

    public static TServerSocket getServerSocket(String host, int port) throws TTransportException {
        return new TServerSocket(address(host, port));
    }

    public static TServerSocket getServerSSLSocket(String host, int port, String keyStorePath,
            String keyStorePassword, List<String> disabledProtocols) throws TTransportException {
        TSSLTransportParameters params = new TSSLTransportParameters();
        params.setKeyStore(keyStorePath, keyStorePassword);
        InetSocketAddress address = address(host, port);
        TServerSocket server = TSSLTransportFactory.getServerSocket(port, 0, address.getAddress(), params);
        if (server.getServerSocket() instanceof SSLServerSocket ssl) {
            ssl.setEnabledProtocols(ssl.getEnabledProtocols().length == 0 ? ssl.getEnabledProtocols()
                    : java.util.Arrays.stream(ssl.getEnabledProtocols())
                            .filter(p -> disabledProtocols.stream().noneMatch(p::equalsIgnoreCase))
                            .toArray(String[]::new));
        }
        return server;
    }

    private static InetSocketAddress address(String host, int port) {
        String bindHost = host == null || host.isEmpty() ? System.getProperty("datalake.bind.host", "127.0.0.1") : host;
        return new InetSocketAddress(bindHost, port);
    }
}
