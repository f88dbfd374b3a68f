-- shadowtap flush script: applies one batch of tally cells exactly once.
-- Loaded with SCRIPT LOAD, called with EVALSHA sha 0 ARGV...  (see store.c)
--
-- ARGV: sensor, seq, prev, now, ncells, then per cell:
--   day (YYYY-MM-DD), day_expireat, month_expireat (unix seconds, "0" = keep),
--   department, service, country ("" if unknown),
--   bytes_up, bytes_down, packets_up, packets_down, flows,
--   first_seen, last_seen (unix seconds), ndevices, device pseudonyms...
-- Returns {1, seq} applied, {0, last} already applied, {-1, last} out of order.
local P = 'shadowtap:'
local sensor = ARGV[1]
local skey = P .. 'sensor:' .. sensor
local last_s = redis.call('HGET', skey, 'seq') or '0'
local last = tonumber(last_s)
if tonumber(ARGV[2]) <= last then return {0, last_s} end
if tonumber(ARGV[3]) ~= last then return {-1, last_s} end

local expire = {}
local function touch(key, at)
  if at ~= '0' then expire[key] = at end
end
local function incr(key, field, v)
  if v ~= '0' then redis.call('HINCRBY', key, field, v) end
end
local first_key, last_key = P .. 'first_seen', P .. 'last_seen'
local function seen(field, first, lastv)
  local f = redis.call('HGET', first_key, field)
  if not f or tonumber(first) < tonumber(f) then redis.call('HSET', first_key, field, first) end
  local l = redis.call('HGET', last_key, field)
  if not l or tonumber(lastv) > tonumber(l) then redis.call('HSET', last_key, field, lastv) end
end

local months = {}
local i = 6
for _ = 1, tonumber(ARGV[5]) do
  local day, day_exp, month_exp = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local dept, svc, cc = ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
  local bu, bd, pu, pd, fl = ARGV[i + 6], ARGV[i + 7], ARGV[i + 8], ARGV[i + 9], ARGV[i + 10]
  local first, lastv = ARGV[i + 11], ARGV[i + 12]
  local ndev = tonumber(ARGV[i + 13])
  local devs = i + 14
  i = devs + ndev
  local month = string.sub(day, 1, 7)
  months[month] = true
  local cell = dept .. '|' .. svc
  for _, p in ipairs({{'day:' .. day, day_exp}, {'month:' .. month, month_exp}}) do
    local h = P .. p[1]
    incr(h, cell .. '|bytes_up', bu)
    incr(h, cell .. '|bytes_down', bd)
    incr(h, cell .. '|packets_up', pu)
    incr(h, cell .. '|packets_down', pd)
    incr(h, cell .. '|flows', fl)
    touch(h, p[2])
    if cc ~= '' then
      local g = P .. 'geo:' .. p[1]
      incr(g, cell .. '|' .. cc .. '|bytes_up', bu)
      incr(g, cell .. '|' .. cc .. '|bytes_down', bd)
      touch(g, p[2])
    end
    if ndev > 0 then
      local d = P .. 'devices:' .. p[1] .. ':' .. cell
      local j = devs
      while j < devs + ndev do
        local k = math.min(j + 499, devs + ndev - 1)
        redis.call('PFADD', d, unpack(ARGV, j, k))
        j = k + 1
      end
      touch(d, p[2])
    end
  end
  if first ~= '0' then
    seen(svc, first, lastv)
    seen(cell, first, lastv)
  end
end
for key, at in pairs(expire) do redis.call('EXPIREAT', key, at) end
redis.call('HSET', skey, 'seq', ARGV[2], 'last_flush', ARGV[4])
redis.call('SADD', P .. 'sensors', sensor)
for month in pairs(months) do redis.call('SADD', P .. 'sensors:' .. month, sensor) end
return {1, ARGV[2]}
