module example.com/ping
