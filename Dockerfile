# syntax=docker/dockerfile:1
#
# Build:  docker build -t lawcontest .
# Run:    docker compose up   (see docker-compose.yml and README.md)

FROM golang:1.26-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
# Dependencies first, so that a code change does not download them again.
COPY go.mod go.sum* ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/lawcontest .

# distroless/static: CA certificates, tzdata and a nonroot user (65532), no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/lawcontest /lawcontest
ENV LISTEN_ADDR=0.0.0.0:8080
EXPOSE 8080
USER nonroot:nonroot
# No curl here: the binary checks itself (GET /healthz on the port of LISTEN_ADDR).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/lawcontest", "healthcheck"]
ENTRYPOINT ["/lawcontest"]
CMD ["serve"]
