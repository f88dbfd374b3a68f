-- shadowtap flush script: applies one batch of tally cells exactly once.
-- Loaded with SCRIPT LOAD, called by its SHA with no keys (see store.c and
-- docs/redis-schema.md).  store.c loads it after the preamble of
-- report/store/schema.c, which defines the local table `schema`: every key
-- and field name below comes from it, none is spelled here.
--
-- ARGV: sensor, seq, prev, now, upload_threshold, stream_maxlen, ncells, then
-- per cell:
--   hour (YYYY-MM-DDTHH), day (YYYY-MM-DD), day_expireat, month_expireat
--   (unix seconds, "0" = keep), department, service, country ("" if unknown),
--   status (policy status when counted), bytes_up, bytes_down, packets_up,
--   packets_down, flows, first_seen, last_seen (unix seconds), ndevices,
--   device pseudonyms...
-- then, optionally (docs/redis-schema.md, "Notes"): nasn, then per autonomous
-- system "AS<number>" and its owner; nhosts, the per-month limit, then per host
-- name of unclassified flows its month (YYYY-MM), the month's expiry, the name
-- and its bytes; nvis, then per (day, department, kind) the day, its expiry,
-- the month's, the department, the kind (tally_vis_name), bytes and flows;
-- nedns, then per (day, department, device) the day, the two expiries, the
-- department and the device pseudonym; nunknown, the domains and hosts kept,
-- then per (month, department, kind, host) the month, its expiry, the
-- department, the kind (candidate, ip-literal, special-use, encrypted-dns,
-- overflow), the domain and host ("" but for candidates), bytes_up,
-- bytes_down, flows, first_seen, last_seen, ndevices, device pseudonyms...;
-- ntenant_cells and the other-tenant event threshold, then per cell of a
-- service with tenants its hour, day, the two expiries, department, service,
-- class (own, other, none), status, bytes_up, bytes_down, flows, ndevices,
-- device pseudonyms...; ntenant_names, the per-month limit, then per (month,
-- department, service, other tenant) the month, its expiry, department,
-- service, tenant, bytes_up, bytes_down, flows, ndevices, device pseudonyms...;
-- nai, then per (month, server, port, api, server department, client
-- department) of flows to model servers inside the month, its expiry, the
-- server's pseudonym, the port, the api (ollama, openai-compatible), the two
-- departments, bytes_up, bytes_down, flows, requests, ndevices, the client
-- device pseudonyms...
-- Returns {1, seq, event fields...} applied, {0, last} already applied,
-- {-1, last} out of order.  Events are also added to the stream
-- schema.key_events; each is 6 fields: action, department, service, status,
-- hour, value.
local sensor = ARGV[1]
local skey = schema.key_sensor(sensor)
local last_s = redis.call('HGET', skey, schema.field_seq) or '0'
local last = tonumber(last_s)
if tonumber(ARGV[2]) <= last then return {0, last_s} end
if tonumber(ARGV[3]) ~= last then return {-1, last_s} end
local now = ARGV[4]
local upload_threshold = tonumber(ARGV[5])
local stream_maxlen = ARGV[6]

local expire = {}
local function touch(key, at)
  if at ~= '0' then expire[key] = at end
end
local function incr(key, field, v)
  if v ~= '0' then redis.call('HINCRBY', key, field, v) end
end

local events = {1, ARGV[2]}
local function event(action, dept, svc, status, hour, value)
  redis.call('XADD', schema.key_events, 'MAXLEN', '~', stream_maxlen, '*',
             unpack(schema.event_entry(action, dept, svc, status, hour, value, sensor, now)))
  for _, v in ipairs({action, dept, svc, status, hour, value}) do events[#events + 1] = v end
end

-- first_seen / last_seen; an absent first_seen is news.
local first_key, last_key = schema.key_first_seen, schema.key_last_seen
local function seen(field, first, lastv)
  local f = redis.call('HGET', first_key, field)
  if not f or tonumber(first) < tonumber(f) then redis.call('HSET', first_key, field, first) end
  local l = redis.call('HGET', last_key, field)
  if not l or tonumber(lastv) > tonumber(l) then redis.call('HSET', last_key, field, lastv) end
  return f == false
end

local months = {}
local i = 8
for _ = 1, tonumber(ARGV[7]) do
  local hour, day, day_exp, month_exp = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local dept, svc, cc, status = ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7]
  local bu, bd, pu, pd, fl = ARGV[i + 8], ARGV[i + 9], ARGV[i + 10], ARGV[i + 11], ARGV[i + 12]
  local first, lastv = ARGV[i + 13], ARGV[i + 14]
  local ndev = tonumber(ARGV[i + 15])
  local devs = i + 16
  i = devs + ndev
  local month = string.sub(day, 1, 7)
  months[month] = month_exp
  local cell = schema.cell(dept, svc)
  local C = schema.counter
  for _, p in ipairs({{schema.span_day, day, day_exp}, {schema.span_month, month, month_exp}}) do
    local span, date, at = p[1], p[2], p[3]
    local h = schema.key_counts(span, date)
    incr(h, schema.field_counter(cell, C.bytes_up), bu)
    incr(h, schema.field_counter(cell, C.bytes_down), bd)
    incr(h, schema.field_counter(cell, C.packets_up), pu)
    incr(h, schema.field_counter(cell, C.packets_down), pd)
    incr(h, schema.field_counter(cell, C.flows), fl)
    touch(h, at)
    if cc ~= '' then
      local g = schema.key_geo(span, date)
      incr(g, schema.field_geo(cell, cc, C.bytes_up), bu)
      incr(g, schema.field_geo(cell, cc, C.bytes_down), bd)
      touch(g, at)
    end
    if ndev > 0 then
      local d = schema.key_devices(span, date, cell)
      local j = devs
      while j < devs + ndev do
        local k = math.min(j + 499, devs + ndev - 1)
        redis.call('PFADD', d, unpack(ARGV, j, k))
        j = k + 1
      end
      touch(d, at)
    end
  end
  if first ~= '0' then
    local new_service = seen(svc, first, lastv)
    local new_in_dept = seen(cell, first, lastv)
    -- unclassified traffic, also 'unclassified:AS<n>', is no new service
    if not schema.is_unclassified(svc) then
      if new_service then event('service-first-seen', dept, svc, status, hour, first) end
      if new_in_dept then event('service-first-seen-in-department', dept, svc, status, hour, first) end
    end
  end
  -- At most one unsanctioned-use event per department, service and hour, whichever
  -- sensor saw it first.
  if status == 'unsanctioned' or status == 'prohibited' then
    if redis.call('SET', schema.key_alerted(hour, cell), now, 'NX', 'EX', 7200) then
      event('unsanctioned-use', dept, svc, status, hour, bu)
    end
  end
  -- Uploads per department, service and hour, summed over every sensor.
  if upload_threshold > 0 and bu ~= '0' then
    local u = schema.key_upload(hour)
    local total = redis.call('HINCRBY', u, cell, bu)
    redis.call('EXPIRE', u, 7200)
    if total >= upload_threshold and total - tonumber(bu) < upload_threshold then
      event('upload-spike', dept, svc, status, hour, tostring(total))
    end
  end
end
-- Notes: owners of the autonomous systems of unclassified traffic, and the host
-- names of unclassified flows per month, the most bytes kept (sensors before
-- the candidate services below send none, but their spooled batches may).
if ARGV[i] then
  local nasn = tonumber(ARGV[i])
  i = i + 1
  for _ = 1, nasn do
    redis.call('HSET', schema.key_asn, ARGV[i], ARGV[i + 1])
    i = i + 2
  end
  local nhosts, keep = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  i = i + 2
  local trim = {}
  for _ = 1, nhosts do
    local key = schema.key_unmatched(ARGV[i])
    redis.call('ZINCRBY', key, ARGV[i + 3], ARGV[i + 2])
    touch(key, ARGV[i + 1])
    trim[key] = true
    i = i + 4
  end
  for key in pairs(trim) do redis.call('ZREMRANGEBYRANK', key, 0, -keep - 1) end
end
-- Visibility: bytes and flows per day, month, department and what named them
-- (or why nothing did).
if ARGV[i] then
  local nvis = tonumber(ARGV[i])
  i = i + 1
  for _ = 1, nvis do
    local day, day_exp, month_exp = ARGV[i], ARGV[i + 1], ARGV[i + 2]
    local dept, kind, bytes, flows = ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]
    for _, p in ipairs({{schema.span_day, day, day_exp},
                        {schema.span_month, string.sub(day, 1, 7), month_exp}}) do
      local h = schema.key_visibility(p[1], p[2])
      incr(h, schema.field_visibility(dept, kind, schema.vis_bytes), bytes)
      incr(h, schema.field_visibility(dept, kind, schema.vis_flows), flows)
      touch(h, p[3])
    end
    i = i + 7
  end
end
-- Devices that used an encrypted-DNS resolver, per day, month and department.
if ARGV[i] then
  local nedns = tonumber(ARGV[i])
  i = i + 1
  for _ = 1, nedns do
    local day, day_exp, month_exp, dept = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
    for _, p in ipairs({{schema.span_day, day, day_exp},
                        {schema.span_month, string.sub(day, 1, 7), month_exp}}) do
      local k = schema.key_edns(p[1], p[2], dept)
      redis.call('PFADD', k, ARGV[i + 4])
      touch(k, p[3])
    end
    i = i + 5
  end
end
-- Unclassified flows that carried a host name: candidate services by domain
-- (the most bytes kept per month, their most used hosts kept), and what is
-- counted apart.  A domain trimmed out leaves its counts in the apart hash.
if ARGV[i] then
  local nunk, keep_domains, keep_hosts = tonumber(ARGV[i]), tonumber(ARGV[i + 1]),
                                         tonumber(ARGV[i + 2])
  i = i + 3
  local months_seen = {}
  for _ = 1, nunk do
    local month, month_exp, dept, kind = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
    local domain, host = ARGV[i + 4], ARGV[i + 5]
    local bu, bd, fl = ARGV[i + 6], ARGV[i + 7], ARGV[i + 8]
    local first, lastv, ndev = ARGV[i + 9], ARGV[i + 10], tonumber(ARGV[i + 11])
    if kind == 'candidate' then
      local zkey = schema.key_unknown(month)
      redis.call('ZINCRBY', zkey, tonumber(bu) + tonumber(bd), domain)
      touch(zkey, month_exp)
      local h = schema.key_unknown_domain(month, domain)
      incr(h, schema.field_unknown(dept, schema.counter.bytes_up), bu)
      incr(h, schema.field_unknown(dept, schema.counter.bytes_down), bd)
      incr(h, schema.field_unknown(dept, schema.counter.flows), fl)
      local f0 = redis.call('HGET', h, schema.field_first_seen)
      if first ~= '0' and (not f0 or tonumber(first) < tonumber(f0)) then
        redis.call('HSET', h, schema.field_first_seen, first)
      end
      local l0 = redis.call('HGET', h, schema.field_last_seen)
      if not l0 or tonumber(lastv) > tonumber(l0) then
        redis.call('HSET', h, schema.field_last_seen, lastv)
      end
      touch(h, month_exp)
      local hk = schema.key_unknown_hosts(month, domain)
      redis.call('ZINCRBY', hk, tonumber(bu) + tonumber(bd), host)
      redis.call('ZREMRANGEBYRANK', hk, 0, -keep_hosts - 1)
      touch(hk, month_exp)
      if ndev > 0 then
        local dk = schema.key_unknown_devices(month, dept, domain)
        redis.call('PFADD', dk, unpack(ARGV, i + 12, i + 11 + ndev))
        touch(dk, month_exp)
      end
      months_seen[month] = month_exp
    else
      local a = schema.key_unknown_apart(month)
      incr(a, schema.field_apart(dept, kind, schema.counter.bytes_up), bu)
      incr(a, schema.field_apart(dept, kind, schema.counter.bytes_down), bd)
      incr(a, schema.field_apart(dept, kind, schema.counter.flows), fl)
      touch(a, month_exp)
    end
    i = i + 12 + ndev
  end
  for month, month_exp in pairs(months_seen) do
    local zkey = schema.key_unknown(month)
    local out = redis.call('ZRANGE', zkey, 0, -keep_domains - 1)
    if #out > 0 then
      local a = schema.key_unknown_apart(month)
      for _, domain in ipairs(out) do
        local h = schema.key_unknown_domain(month, domain)
        local fields = redis.call('HGETALL', h)
        for j = 1, #fields, 2 do
          local f = fields[j]
          local bar = string.find(f, '|', 1, true)
          if bar then
            local d = string.sub(f, 1, bar - 1)
            local counter = string.sub(f, bar + 1)
            incr(a, schema.field_apart(d, 'trimmed', counter), fields[j + 1])
            redis.call('DEL', schema.key_unknown_devices(month, d, domain))
            expire[schema.key_unknown_devices(month, d, domain)] = nil
          end
        end
        redis.call('DEL', h, schema.key_unknown_hosts(month, domain))
        expire[h], expire[schema.key_unknown_hosts(month, domain)] = nil, nil
      end
      redis.call('ZREMRANGEBYRANK', zkey, 0, -keep_domains - 1)
      touch(a, month_exp)
    end
  end
end
-- Tenants: the cells of services whose host names carry the customer's tenant,
-- again, by whose instance they reached (own, other, none); their device sets
-- per class; uploads to other customers' tenants of a sanctioned service per
-- department and hour, summed over every sensor, for the other-tenant event.
if ARGV[i] then
  local ntc, other_threshold = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  i = i + 2
  local C = schema.counter
  for _ = 1, ntc do
    local hour, day, day_exp, month_exp = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
    local dept, svc, class, status = ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7]
    local bu, bd, fl, ndev = ARGV[i + 8], ARGV[i + 9], ARGV[i + 10], tonumber(ARGV[i + 11])
    local devs = i + 12
    local cell = schema.cell(dept, svc)
    for _, p in ipairs({{schema.span_day, day, day_exp},
                        {schema.span_month, string.sub(day, 1, 7), month_exp}}) do
      local h = schema.key_tenants(p[1], p[2])
      incr(h, schema.field_tenant(cell, class, C.bytes_up), bu)
      incr(h, schema.field_tenant(cell, class, C.bytes_down), bd)
      incr(h, schema.field_tenant(cell, class, C.flows), fl)
      touch(h, p[3])
      if ndev > 0 then
        local d = schema.key_tenant_devices(p[1], p[2], cell, class)
        local j = devs
        while j < devs + ndev do
          local k = math.min(j + 499, devs + ndev - 1)
          redis.call('PFADD', d, unpack(ARGV, j, k))
          j = k + 1
        end
        touch(d, p[3])
      end
    end
    if class == 'other' and status == 'sanctioned' and other_threshold > 0 and bu ~= '0' then
      local u = schema.key_tenant_upload(hour)
      local total = redis.call('HINCRBY', u, cell, bu)
      redis.call('EXPIRE', u, 7200)
      if total >= other_threshold and total - tonumber(bu) < other_threshold then
        event('other-tenant-upload', dept, svc, 'other-tenant', hour, tostring(total))
      end
    end
    i = devs + ndev
  end
end
-- The names of other customers' tenants per month and service: the most bytes
-- kept; a name trimmed out leaves its counts in the class counters only.
if ARGV[i] then
  local ntn, keep = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  i = i + 2
  local C = schema.counter
  local trim = {}
  for _ = 1, ntn do
    local month, month_exp, dept, svc, tenant = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3],
                                               ARGV[i + 4]
    local bu, bd, fl, ndev = ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], tonumber(ARGV[i + 8])
    local z = schema.key_tenant_names(month, svc)
    redis.call('ZINCRBY', z, tonumber(bu) + tonumber(bd), tenant)
    touch(z, month_exp)
    local h = schema.key_tenant_name(month, svc, tenant)
    incr(h, schema.field_unknown(dept, C.bytes_up), bu)
    incr(h, schema.field_unknown(dept, C.bytes_down), bd)
    incr(h, schema.field_unknown(dept, C.flows), fl)
    touch(h, month_exp)
    if ndev > 0 then
      local dk = schema.key_tenant_name_devices(month, schema.cell(dept, svc), tenant)
      redis.call('PFADD', dk, unpack(ARGV, i + 9, i + 8 + ndev))
      touch(dk, month_exp)
    end
    local dist = schema.key_tenant_distinct(month, svc)
    redis.call('PFADD', dist, tenant)
    touch(dist, month_exp)
    trim[z] = {month, svc}
    i = i + 9 + ndev
  end
  for z, t in pairs(trim) do
    local month, svc = t[1], t[2]
    for _, tenant in ipairs(redis.call('ZRANGE', z, 0, -keep - 1)) do
      local h = schema.key_tenant_name(month, svc, tenant)
      local fields = redis.call('HGETALL', h)
      for j = 1, #fields, 2 do
        local bar = string.find(fields[j], '|', 1, true)
        if bar then
          local dk = schema.key_tenant_name_devices(month,
                       schema.cell(string.sub(fields[j], 1, bar - 1), svc), tenant)
          redis.call('DEL', dk)
          expire[dk] = nil
        end
      end
      redis.call('DEL', h)
      expire[h] = nil
    end
    redis.call('ZREMRANGEBYRANK', z, 0, -keep - 1)
  end
end
-- Flows to model servers inside, per month, server pseudonym, port, api and
-- the departments of server and client; the client devices per month, server,
-- port and client department.
if ARGV[i] then
  local nai = tonumber(ARGV[i])
  i = i + 1
  for _ = 1, nai do
    local month, month_exp, server, port = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
    local api, sdept, cdept = ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]
    local ndev = tonumber(ARGV[i + 11])
    local h = schema.key_ai_servers(month)
    local A = schema.ai_counter
    for k, counter in ipairs({A.bytes_up, A.bytes_down, A.flows, A.requests}) do
      incr(h, schema.field_ai_server(server, port, api, sdept, cdept, counter), ARGV[i + 6 + k])
    end
    touch(h, month_exp)
    if ndev > 0 then
      local dk = schema.key_ai_server_devices(month, server, port, cdept)
      local j, last = i + 12, i + 11 + ndev
      while j <= last do
        local k = math.min(j + 499, last)
        redis.call('PFADD', dk, unpack(ARGV, j, k))
        j = k + 1
      end
      touch(dk, month_exp)
    end
    i = i + 12 + ndev
  end
end
-- What gave the clients their department (assignment, dhcp, vlan, network,
-- unassigned): bytes, flows and devices per day, month, department and source.
if ARGV[i] then
  local nsrc = tonumber(ARGV[i])
  i = i + 1
  local C = schema.counter
  for _ = 1, nsrc do
    local day, day_exp, month_exp, dept, src = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3],
                                               ARGV[i + 4]
    local ndev = tonumber(ARGV[i + 8])
    for _, p in ipairs({{schema.span_day, day, day_exp},
                        {schema.span_month, string.sub(day, 1, 7), month_exp}}) do
      local h = schema.key_dept_sources(p[1], p[2])
      incr(h, schema.field_apart(dept, src, C.bytes_up), ARGV[i + 5])
      incr(h, schema.field_apart(dept, src, C.bytes_down), ARGV[i + 6])
      incr(h, schema.field_apart(dept, src, C.flows), ARGV[i + 7])
      touch(h, p[3])
      if ndev > 0 then
        local d = schema.key_dept_source_devices(p[1], p[2], dept, src)
        local j, last = i + 9, i + 8 + ndev
        while j <= last do
          local k = math.min(j + 499, last)
          redis.call('PFADD', d, unpack(ARGV, j, k))
          j = k + 1
        end
        touch(d, p[3])
      end
    end
    i = i + 9 + ndev
  end
end
redis.call('HSET', skey, schema.field_seq, ARGV[2], schema.field_last_flush, now)
redis.call('SADD', schema.key_sensors, sensor)
for month, at in pairs(months) do
  local key = schema.key_month_sensors(month)
  redis.call('SADD', key, sensor)
  touch(key, at)
end
for key, at in pairs(expire) do redis.call('EXPIREAT', key, at) end
return events
