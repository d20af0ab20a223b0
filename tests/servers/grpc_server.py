"""A gRPC server as the grpcio examples write it: start, then wait."""
from concurrent import futures

import grpc

server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
server.add_insecure_port('127.0.0.1:0')
server.start()
print('grpc server started', flush=True)
server.wait_for_termination()
