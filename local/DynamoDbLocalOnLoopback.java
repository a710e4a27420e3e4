/*
 * Starts Amazon's DynamoDB Local on the loopback interface only.
 *
 * DynamoDB Local has no option for its listening address: its server
 * (DynamoDBProxyServer) builds a Jetty Server from a port alone, which
 * listens on every interface, and it has no authentication, so anyone on
 * the network could write its tables (an admin key's hash, say). This
 * launcher builds the same server from the same command line
 * (ServerRunner.createServerFromCommandLineArgs), sets its Jetty connector's
 * host to 127.0.0.1 before it starts, then runs it as DynamoDB Local's own
 * main would. Run by local/emulators.ts as a single-file source program
 * (`java -cp <DynamoDBLocal.jar and its lib> DynamoDbLocalOnLoopback.java
 * <DynamoDB Local's own options>`), so nothing is compiled ahead.
 */
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class DynamoDbLocalOnLoopback {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    var serverField = DynamoDBProxyServer.class.getDeclaredField("server");
    serverField.setAccessible(true);
    Server server = (Server) serverField.get(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local built a server without a connector");
    for (Connector connector : connectors) {
      // Fails loudly (ClassCastException) if a new DynamoDB Local builds another kind of connector.
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    proxy.start();
    proxy.join();
  }
}
